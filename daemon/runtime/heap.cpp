// How the process keeps its heap small: few malloc arenas, and freed memory handed back after a catch-up.
#include "daemon/runtime/heap.hpp"

#include <malloc.h>

namespace sf::runtime {

void limit_heap_arenas(int arenas) { mallopt(M_ARENA_MAX, arenas); }

void release_free_heap() { malloc_trim(0); }

}  // namespace sf::runtime
