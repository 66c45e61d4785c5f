#include <imgbatch/imgbatch.hpp>

#include "cli/check.hpp"
#include "encode/jpeg_writer.hpp"
#include "encode/png_writer.hpp"
#include "support/fixtures.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <map>

using namespace imgbatch;

namespace {

pipeline_spec make_spec(const test::temp_dir& dir, int batch) {
  pipeline_spec s;
  s.base_dir = dir.path();
  s.dataset.root = "seg";
  s.dataset.masks = "masks";
  s.targets.mask = mask_target{.num_classes = 4, .ignore_index = 255};
  s.transforms = {resize_op{.size = size2{8, 8}}, normalize_op{}};
  s.batch.size = batch;
  s.loader.threads = 2;
  s.loader.prefetch_batches = 2;
  return s;
}

// The batch index the error arrives at, and the error.
std::pair<int, sample_error> first_error(loader& l) {
  int index = 0;
  try {
    while (auto b = l.next()) ++index;
  } catch (const sample_error& e) {
    return {index, e};
  }
  FAIL("expected a sample_error");
  return {index, sample_error("", "", 0)};
}

}  // namespace

TEST_CASE("errors: a corrupt image fails its batch, naming the file and the reason, earlier batches arrive") {
  test::temp_dir dir;
  test::write_constant_dataset(dir / "seg", 12, true, 4, [](int) { return std::array<int, 2>{12, 12}; });
  const auto bad = (dir / "seg" / "images" / "0009.png").string();
  test::write_text(bad, "\x89PNG\r\n\x1a\n garbage");
  loader l(make_spec(dir, 4));
  auto [index, e] = first_error(l);
  CHECK(index == 2);
  CHECK(e.file() == bad);
  CHECK(e.sample_id() == 9);
  CHECK(std::string(e.what()).starts_with(bad + ": "));
  // The pass is over; a new one meets the same file again, and never hangs.
  auto [again, e2] = first_error(l);
  CHECK(again == 2);
  CHECK(e2.file() == bad);
}

TEST_CASE("errors: a mask value that is no class names the mask, the value and where it is") {
  test::temp_dir dir;
  test::write_constant_dataset(dir / "seg", 3, true, 4, [](int) { return std::array<int, 2>{6, 5}; });
  std::vector<std::array<std::uint8_t, 3>> pal(256, {0, 0, 0});
  const auto mask = (dir / "seg" / "masks" / "0001.png").string();
  detail::write_png(mask, test::make_image(5, 6, 1, [](int x, int y, int) { return x == 3 && y == 4 ? 30 : 1; }), pal);
  loader l(make_spec(dir, 3));
  auto [index, e] = first_error(l);
  CHECK(index == 0);
  CHECK(e.file() == mask);
  CHECK(e.reason() == "mask value 30 at x=3, y=4 is not a class id (num_classes 4, ignore_index 255)");
}

TEST_CASE("errors: a mask of another size than its image names both") {
  test::temp_dir dir;
  test::write_constant_dataset(dir / "seg", 2, true, 4, [](int) { return std::array<int, 2>{6, 5}; });
  std::vector<std::array<std::uint8_t, 3>> pal(256, {0, 0, 0});
  const auto mask = (dir / "seg" / "masks" / "0000.png").string();
  detail::write_png(mask, test::make_image(4, 6, 1, [](int, int, int) { return 1; }), pal);
  loader l(make_spec(dir, 1));
  auto [index, e] = first_error(l);
  CHECK(e.file() == mask);
  CHECK(e.reason() == "mask is 4x6 but its image " + (dir / "seg" / "images" / "0000.png").string() + " is 5x6");
}

TEST_CASE("errors: a file removed after indexing is reported with the system's reason") {
  test::temp_dir dir;
  test::write_constant_dataset(dir / "seg", 4, true, 4, [](int) { return std::array<int, 2>{6, 6}; });
  loader l(make_spec(dir, 2));
  const auto gone = (dir / "seg" / "images" / "0002.png").string();
  std::filesystem::remove(gone);
  auto [index, e] = first_error(l);
  CHECK(index == 1);
  CHECK(e.file() == gone);
  CHECK(e.reason() == "No such file or directory");
}

TEST_CASE("errors: several bad samples in flight, every thread count, always the first one in order") {
  test::temp_dir dir;
  test::write_constant_dataset(dir / "seg", 30, true, 4, [](int) { return std::array<int, 2>{10, 10}; });
  for (int i : {7, 8, 21})
    test::write_text(dir / "seg" / "images" / ("00" + std::to_string(i / 10) + std::to_string(i % 10) + ".png"),
                     "junk");
  for (int threads : {1, 2, 4}) {
    auto spec = make_spec(dir, 3);
    spec.loader.threads = threads;
    spec.loader.prefetch_batches = 4;
    loader l(spec);
    auto [index, e] = first_error(l);
    CHECK(index == 2);
    CHECK(e.sample_id() == 7);
    CHECK(e.reason() == "not a JPEG, PNG or WebP file (an unknown format)");
  }
}

TEST_CASE("errors: entries named like images that are not readable files are samples that fail, each named") {
  // A folder dataset (no masks) whose images folder also holds: a directory, a symbolic link loop, a link
  // to nothing, a FIFO and an empty file, all named like images; a JPEG named .png and a file whose name
  // is not UTF-8, which both load. `imgbatch check` (check_dataset) lists every bad one with its reason;
  // the loader fails on the first in order with the same reason.
  test::temp_dir dir;
  test::write_constant_dataset(dir / "seg", 4, false, 4, [](int) { return std::array<int, 2>{6, 6}; });
  const auto images = dir / "seg" / "images";
  std::filesystem::create_directory(images / "0004.png");
  std::filesystem::create_symlink("0005b.png", images / "0005.png");
  std::filesystem::create_symlink("0005.png", images / "0005b.png");
  std::filesystem::create_symlink("nowhere.png", images / "0006.png");
  REQUIRE(::mkfifo((images / "0007.png").c_str(), 0600) == 0);
  test::write_text(images / "0008.png", "");
  detail::write_jpeg((images / "0009.png").string(), test::make_image(6, 6, 3, [](int, int, int) { return 90; }), 95);
  std::filesystem::copy_file(images / "0000.png", images / "caf\xe9.png");

  pipeline_spec s = make_spec(dir, 1);
  s.dataset.masks.clear();
  s.targets.mask.reset();
  const detail::check_report report = detail::check_dataset(s, 2, {});
  std::map<std::string, std::string> reasons;
  for (const auto& p : report.problems) reasons[std::filesystem::path(p.file).filename().string()] = p.reason;
  CHECK(report.samples == 12);
  CHECK(reasons.size() == 6);
  CHECK(reasons["0004.png"] == "is a directory, not a file");
  CHECK(reasons["0005.png"] == "Too many levels of symbolic links");
  CHECK(reasons["0005b.png"] == "Too many levels of symbolic links");
  CHECK(reasons["0006.png"] == "No such file or directory");
  CHECK(reasons["0007.png"] == "not a regular file (a FIFO, socket or device)");
  CHECK(reasons["0008.png"] == "empty file");

  loader l(s);
  auto [index, e] = first_error(l);
  CHECK(index == 4);  // 0000-0003 load; 0004.png, a directory, is the first bad one in file order
  CHECK(e.file() == (images / "0004.png").string());
  CHECK(e.reason() == "is a directory, not a file");
}
