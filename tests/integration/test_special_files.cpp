// Metadata files that are not regular files, or too large, and folders whose links loop: each is named
// with its reason, promptly, instead of blocking the loader's construction (a FIFO), reading until
// memory runs out (/dev/zero) or listing the same images again at every level of a loop.
#include <imgbatch/imgbatch.hpp>

#include "cli/check.hpp"
#include "dataset/dataset.hpp"
#include "support/fixtures.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>

using namespace imgbatch;
namespace fs = std::filesystem;

namespace {

const std::string fifo_reason = "not a regular file (a FIFO, socket or device)";

void make_fifo(const fs::path& p) {
  fs::create_directories(p.parent_path());
  REQUIRE(::mkfifo(p.c_str(), 0644) == 0);
}

// Runs f on another thread and returns the message of what it threw ("" if nothing). A call still
// blocked after 20 s fails the test; the FIFOs are then opened for writing and closed, so a reader
// blocked on one sees the end of the file and the thread can finish.
template <class F>
std::string message_of(F f, const std::vector<fs::path>& fifos) {
  auto result = std::async(std::launch::async, [f] {
    try {
      f();
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  });
  if (result.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    FAIL_CHECK("blocked for 20 s on a FIFO");
    for (const fs::path& p : fifos) {
      const int fd = ::open(p.c_str(), O_RDWR | O_NONBLOCK);
      if (fd >= 0) ::close(fd);
    }
  }
  return result.get();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Four 8x8 images under root/images.
void four_images(const fs::path& root) {
  test::write_textured_dataset(root, 4, false, 2, [](int) { return std::array<int, 2>{8, 8}; });
}

pipeline_spec spec_at(const fs::path& root) {
  pipeline_spec s;
  s.dataset.root = root;
  s.sampler.shuffle = false;
  s.transforms = {resize_op{.size = size2{8, 8}}};
  s.batch.size = 2;
  return s;
}

}  // namespace

TEST_CASE("special files: a FIFO as an annotation, label, manifest or class names file is refused by name") {
  test::temp_dir dir;
  four_images(dir / "d");
  SUBCASE("COCO annotations") {
    make_fifo(dir / "d" / "instances.json");
    pipeline_spec s = spec_at(dir / "d");
    s.dataset.format = dataset_format::coco;
    s.dataset.annotations = "instances.json";
    const std::string msg = message_of([s] { loader l(s); }, {dir / "d" / "instances.json"});
    CHECK(msg == (dir / "d" / "instances.json").string() + ": cannot read the COCO annotations file: " + fifo_reason);
  }
  SUBCASE("a VOC annotation file") {
    make_fifo(dir / "d" / "xml" / "0000.xml");
    pipeline_spec s = spec_at(dir / "d");
    s.dataset.format = dataset_format::voc;
    s.dataset.annotations = "xml";
    s.dataset.classes = {"a", "b"};
    const std::string msg = message_of([s] { loader l(s); }, {dir / "d" / "xml" / "0000.xml"});
    CHECK(
        contains(msg, (dir / "d" / "xml" / "0000.xml").string() + ": cannot read the annotation file: " + fifo_reason));
  }
  SUBCASE("a YOLO label file, and a label path that is a folder") {
    make_fifo(dir / "d" / "labels" / "0000.txt");
    fs::create_directories(dir / "d" / "labels" / "0001.txt");
    pipeline_spec s = spec_at(dir / "d");
    s.dataset.format = dataset_format::yolo;
    s.dataset.labels = "labels";
    const std::string msg = message_of([s] { loader l(s); }, {dir / "d" / "labels" / "0000.txt"});
    CHECK(contains(msg, "2 problem(s) in the dataset"));
    CHECK(contains(msg, (dir / "d" / "labels" / "0000.txt").string() + ": cannot read the label file: " + fifo_reason));
    // Before: a folder named like a label file was read as an empty file, "no objects".
    CHECK(contains(msg, (dir / "d" / "labels" / "0001.txt").string() +
                            ": cannot read the label file: is a directory, not a file"));
  }
  SUBCASE("a list manifest") {
    make_fifo(dir / "d" / "train.txt");
    pipeline_spec s = spec_at(dir / "d");
    s.dataset.format = dataset_format::list;
    s.dataset.manifest = "train.txt";
    const std::string msg = message_of([s] { loader l(s); }, {dir / "d" / "train.txt"});
    CHECK(msg == (dir / "d" / "train.txt").string() + ": cannot read the manifest: " + fifo_reason);
  }
  SUBCASE("a class names file, also through imgbatch check") {
    make_fifo(dir / "d" / "names.txt");
    fs::create_directories(dir / "d" / "labels");
    pipeline_spec s = spec_at(dir / "d");
    s.dataset.format = dataset_format::yolo;
    s.dataset.labels = "labels";
    s.dataset.classes_file = "names.txt";
    const std::string want = (dir / "d" / "names.txt").string() + ": cannot read the class names file: " + fifo_reason;
    CHECK(message_of([s] { loader l(s); }, {dir / "d" / "names.txt"}) == want);
    CHECK(message_of([s] { detail::check_dataset(s, 1, {}); }, {dir / "d" / "names.txt"}) == want);
  }
}

TEST_CASE("special files: the spec and the quarantine: FIFOs, /dev/zero and files over the fixed limits") {
  test::temp_dir dir;
  four_images(dir / "d");
  make_fifo(dir / "spec.json");
  CHECK(message_of([&] { pipeline_spec::from_file(dir / "spec.json"); }, {dir / "spec.json"}) ==
        (dir / "spec.json").string() + ": cannot read the spec file: " + fifo_reason);
  // Before: /dev/zero was read until memory ran out.
  CHECK(message_of([] { pipeline_spec::from_file("/dev/zero"); }, {}) ==
        "/dev/zero: cannot read the spec file: " + fifo_reason);
  // A sparse file one byte over 16 MiB: refused before anything is read.
  test::write_text(dir / "big.json", "{}");
  fs::resize_file(dir / "big.json", (16u << 20) + 1);
  CHECK(message_of([&] { pipeline_spec::from_file(dir / "big.json"); }, {}) ==
        (dir / "big.json").string() +
            ": cannot read the spec file: file is 16777217 bytes, above the limit of 16777216 (16 MiB for a spec)");

  pipeline_spec s = spec_at(dir / "d");
  make_fifo(dir / "q.tsv");
  s.loader.quarantine = dir / "q.tsv";
  CHECK(message_of([s] { loader l(s); }, {dir / "q.tsv"}) ==
        "loader.quarantine: cannot read " + (dir / "q.tsv").string() + ": " + fifo_reason);
  s.loader.quarantine = "/dev/zero";
  CHECK(message_of([s] { loader l(s); }, {}) == "loader.quarantine: cannot read /dev/zero: " + fifo_reason);
  test::write_text(dir / "big.tsv", "");
  fs::resize_file(dir / "big.tsv", (256u << 20) + 1);
  s.loader.quarantine = dir / "big.tsv";
  CHECK(message_of([s] { loader l(s); }, {}) ==
        "loader.quarantine: cannot read " + (dir / "big.tsv").string() +
            ": file is 268435457 bytes, above the limit of 268435456 (256 MiB for a quarantine)");
}

TEST_CASE("special files: dataset.max_metadata_bytes bounds annotation files, and is read from JSON") {
  test::temp_dir dir;
  four_images(dir / "d");
  test::write_text(dir / "d" / "train.txt", "images/0000.png\nimages/0001.png\n");  // 32 bytes
  pipeline_spec s = spec_at(dir / "d");
  s.dataset.format = dataset_format::list;
  s.dataset.manifest = "train.txt";
  s.dataset.max_metadata_bytes = 32;
  CHECK(loader(s).dataset_size() == 2);
  s.dataset.max_metadata_bytes = 31;
  CHECK_THROWS_WITH_AS(
      loader{s},
      ((dir / "d" / "train.txt").string() + ": cannot read the manifest: file is 32 bytes, above the limit of 31 "
                                            "(dataset.max_metadata_bytes)")
          .c_str(),
      dataset_error);
  CHECK(pipeline_spec().dataset.max_metadata_bytes == std::uint64_t{8} << 30);
  // A COCO file over the limit: refused before it is read.
  test::write_text(dir / "d" / "instances.json", R"({"images": [], "annotations": [], "categories": []})");
  pipeline_spec coco = spec_at(dir / "d");
  coco.dataset.format = dataset_format::coco;
  coco.dataset.annotations = "instances.json";
  coco.dataset.max_metadata_bytes = 10;
  CHECK_THROWS_WITH_AS(detail::build_index(coco),
                       ((dir / "d" / "instances.json").string() +
                        ": cannot read the COCO annotations file: file is 51 bytes, above the limit of 10 "
                        "(dataset.max_metadata_bytes)")
                           .c_str(),
                       dataset_error);
  const auto parsed = pipeline_spec::from_json(
      R"({"dataset": {"format": "list", "manifest": "m.txt", "max_metadata_bytes": 1000}})", dir.path());
  CHECK(parsed.dataset.max_metadata_bytes == 1000);
  CHECK(pipeline_spec::from_json(parsed.to_json(), dir.path()).dataset.max_metadata_bytes == 1000);
  CHECK_THROWS_WITH_AS(pipeline_spec::from_json(R"({"dataset": {"max_metadata_bytes": 0}})", dir.path()),
                       "dataset.max_metadata_bytes: must be between 1 and 9223372036854775807, got 0", config_error);
}

TEST_CASE("special files: a folder link that loops back is reported and not followed, other folder links are") {
  test::temp_dir dir;
  four_images(dir / "d");
  test::write_textured_dataset(dir / "other", 2, false, 2, [](int) { return std::array<int, 2>{8, 8}; });
  fs::create_directory_symlink(".", dir / "d" / "images" / "loop");
  fs::create_directories(dir / "d" / "images" / "deep");
  fs::create_directory_symlink("..", dir / "d" / "images" / "deep" / "up");
  fs::create_directory_symlink(".", dir / "d" / "images" / "deep" / "self");  // to a folder that is not the root
  fs::create_directory_symlink(dir / "other" / "images", dir / "d" / "images" / "linked");
  detail::dataset_index index = detail::build_index(spec_at(dir / "d"));
  // Before: 4 images became 164 samples, 41 levels of images/loop/loop/...
  REQUIRE(index.records.size() == 6);
  CHECK(index.records[0].image() == (dir / "d" / "images" / "0000.png").string());
  CHECK(index.records[4].image() == (dir / "d" / "images" / "linked" / "0000.png").string());
  CHECK(index.records[5].image() == (dir / "d" / "images" / "linked" / "0001.png").string());
  REQUIRE(index.problems.size() == 3);
  const std::string images = (dir / "d" / "images").string();
  CHECK(index.problems[0].text() ==
        images + "/deep/self: leads back to " + images + "/deep, a folder it is inside: not followed");
  CHECK(index.problems[1].text() ==
        images + "/deep/up: leads back to " + images + ", a folder it is inside: not followed");
  CHECK(index.problems[2].text() ==
        images + "/loop: leads back to " + images + ", a folder it is inside: not followed");
  CHECK_FALSE(index.problems[0].fatal);
  // imgbatch check lists the loop; the loader works around it (a warning).
  const auto report = detail::check_dataset(spec_at(dir / "d"), 1, {});
  CHECK(report.samples == 6);
  REQUIRE(report.problems.size() == 3);
  CHECK(report.problems[2].file == (dir / "d" / "images" / "loop").string());
  CHECK(loader(spec_at(dir / "d")).dataset_size() == 6);
}
