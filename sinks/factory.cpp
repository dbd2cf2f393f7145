// The sink factory: one place that knows every sink type.
#include "sinks/factory.hpp"

#include "sinks/elasticsearch/elasticsearch_sink.hpp"
#include "sinks/file/file_sink.hpp"

#include <stdexcept>

namespace sf::sinks {

std::vector<std::unique_ptr<sink>> make_sinks(const config::forwarder_config& cfg, boost::asio::any_io_executor ex) {
  std::vector<std::unique_ptr<sink>> out;
  for (const auto& s : cfg.sinks) {
    try {
      if (const auto* f = std::get_if<config::file_sink_config>(&s.settings)) {
        out.push_back(std::make_unique<file::file_sink>(s.name, *f, ex, file::file_sink_options_for(cfg.retry)));
      } else {
        const auto& es = std::get<config::elasticsearch_sink_config>(s.settings);
        out.push_back(elasticsearch::make_elasticsearch_sink(s.name, es, ex, cfg.state_dir,
                                                                 elasticsearch::tuning_for(cfg.retry)));
      }
    } catch (const std::exception& e) {
      throw std::runtime_error("sink '" + s.name + "': " + e.what());
    }
  }
  return out;
}

}  // namespace sf::sinks
