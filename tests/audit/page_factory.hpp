// Builds realistic auditsV2 pages (about 1 KB per event, shared related objects) for the throughput probe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sf::audit::testing {

// A page of `events` events in the shape the ScaleFT API returns; `seed` varies ids and choices.
std::string make_realistic_page(std::size_t events, unsigned seed);

// A page where every event brings new related objects (users, clients, servers, projects, groups with
// names, ids and keys never seen before), cycling through `types` and through the odd cases: references that
// are null, numbers or unknown, malformed entries of every kind, one object named by two fields, lists of
// references, objects no event names. Page `page_no` shares nothing with any other page.
std::string make_distinct_objects_page(std::size_t events, unsigned page_no,
                                       const std::vector<std::string>& types);

}  // namespace sf::audit::testing
