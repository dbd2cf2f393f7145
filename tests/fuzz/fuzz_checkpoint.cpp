// Fuzz target: loading checkpoint.json (through the file, as the daemon does); a loaded checkpoint saves
// and loads back unchanged.
#include "daemon/state/checkpoint.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/support/temp_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

// Removed at exit by its static destructor.
const std::filesystem::path& state_dir() {
  static const sf::test::temp_dir dir("sf-fuzz-checkpoint");
  return dir.path();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& dir = state_dir();
  {
    std::ofstream f(dir / sf::state::checkpoint_file_name, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  const auto loaded = sf::state::load_checkpoint(dir);
  using kind = sf::state::loaded_checkpoint::kind;
  sf::fuzz::check(loaded.what == kind::loaded || loaded.what == kind::corrupt, "neither loaded nor corrupt");
  if (loaded.what == kind::corrupt) {
    sf::fuzz::check(!loaded.message.empty(), "a corrupt checkpoint without a message");
    return 0;
  }
  // What the daemon loaded, it must be able to save and read back as the same checkpoint.
  {
    std::ofstream f(dir / sf::state::checkpoint_file_name, std::ios::binary | std::ios::trunc);
    f << sf::state::checkpoint_to_json(loaded.value);
  }
  const auto again = sf::state::load_checkpoint(dir);
  sf::fuzz::check(again.what == kind::loaded && again.value == loaded.value, "save/load does not round-trip");
  return 0;
}
