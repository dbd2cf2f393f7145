// How the process keeps its heap small: few malloc arenas, and freed memory handed back after a catch-up.
#pragma once

namespace sf::runtime {

// At most `arenas` glibc malloc arenas. Each thread that allocates would otherwise get its own arena (up to
// 8 per core), and memory freed into one is never reused by another, so a page rendered on the event loop
// and freed after a disk thread touched it keeps pages resident twice. Call once, before threads start.
void limit_heap_arenas(int arenas);

// Hands the free memory at the top and in the middle of every arena back to the kernel (malloc_trim). A
// catch-up leaves the heap at its high-water mark; a caught-up forwarder needs a fraction of it.
void release_free_heap();

}  // namespace sf::runtime
