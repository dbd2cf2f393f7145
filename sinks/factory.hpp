// Builds the configured sinks, in configuration order.
#pragma once

#include "config/config.hpp"
#include "sinks/sink.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <vector>

namespace sf::sinks {

// Throws std::runtime_error naming the sink when one cannot be set up (unwritable file, bad CA file).
std::vector<std::unique_ptr<sink>> make_sinks(const config::forwarder_config& cfg, boost::asio::any_io_executor ex);

}  // namespace sf::sinks
