// libFuzzer target: the pipeline spec parser and validation. Any text must parse or be refused with a
// config_error; a spec that parses must write JSON that parses back to the same JSON.
#include <imgbatch/error.hpp>
#include <imgbatch/spec.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto spec = imgbatch::pipeline_spec::from_json(text, "/data");
    const std::string json = spec.to_json();
    if (imgbatch::pipeline_spec::from_json(json, "/data").to_json() != json) std::abort();
  } catch (const imgbatch::config_error&) {
  }
  return 0;
}
