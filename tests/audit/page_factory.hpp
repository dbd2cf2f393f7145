// Builds realistic auditsV2 pages (about 1 KB per event, shared related objects) for the throughput probe.
#pragma once

#include <cstddef>
#include <string>

namespace sf::audit::testing {

// A page of `events` events in the shape the ScaleFT API returns; `seed` varies ids and choices.
std::string make_realistic_page(std::size_t events, unsigned seed);

}  // namespace sf::audit::testing
