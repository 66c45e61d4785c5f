// libFuzzer target: an annotation reader (COCO JSON, Pascal VOC XML or YOLO text, chosen by the
// IMGBATCH_FUZZ_FORMAT definition) on arbitrary file contents, for a dataset of one image. Indexing must
// succeed or report problems; only dataset_error and config_error may escape.
#include <imgbatch/error.hpp>
#include <imgbatch/spec.hpp>

#include "dataset/dataset.hpp"

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using namespace imgbatch;

namespace {

struct fixture {
  fs::path root = fs::temp_directory_path() / ("imgbatch-fuzz-" + std::to_string(::getpid()));
  pipeline_spec spec;
  fs::path input;
  fixture() {
    fs::create_directories(root / "images");
    fs::create_directories(root / "ann");
    std::ofstream(root / "images" / "a.jpg") << "x";  // indexing never decodes it
    spec.base_dir = root;
    spec.dataset.root = ".";
    spec.dataset.classes = {"cat", "dog", "person"};
#if IMGBATCH_FUZZ_FORMAT == 0
    spec.dataset.format = dataset_format::coco;
    spec.dataset.annotations = "ann/instances.json";
    spec.dataset.skip_missing = true;
    spec.dataset.classes.clear();
    input = root / "ann" / "instances.json";
#elif IMGBATCH_FUZZ_FORMAT == 1
    spec.dataset.format = dataset_format::voc;
    spec.dataset.annotations = "ann";
    input = root / "ann" / "a.xml";
#else
    spec.dataset.format = dataset_format::yolo;
    spec.dataset.labels = "ann";
    input = root / "ann" / "a.txt";
#endif
  }
  ~fixture() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fixture f;
  {
    std::ofstream out(f.input, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    (void)detail::build_index(f.spec, false);
  } catch (const dataset_error&) {
  } catch (const config_error&) {
  }
  return 0;
}
