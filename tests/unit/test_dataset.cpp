#include <imgbatch/error.hpp>

#include "dataset/dataset.hpp"
#include "support/fixtures.hpp"

#include <doctest/doctest.h>

using namespace imgbatch;
using namespace imgbatch::detail;

namespace {
pipeline_spec folder_spec(const std::filesystem::path& root, bool masks) {
  pipeline_spec s;
  s.dataset.root = root;
  if (masks) {
    s.dataset.masks = "masks";
    s.targets.mask = mask_target{.num_classes = 4};
  }
  return s;
}
}  // namespace

TEST_CASE("dataset: folder pairs images and masks by relative path, recursively, in path order") {
  test::temp_dir dir;
  for (auto rel : {"b/2", "a/10", "a/9", "c"}) {
    std::filesystem::create_directories((dir / "images" / rel).parent_path());
    std::filesystem::create_directories((dir / "masks" / rel).parent_path());
    test::write_text(dir / "images" / (std::string(rel) + ".jpg"), "x");
    test::write_text(dir / "masks" / (std::string(rel) + ".png"), "x");
  }
  test::write_text(dir / "images" / "README.txt", "not an image");
  test::write_text(dir / "images" / ".hidden.jpg", "x");
  auto recs = build_index(folder_spec(dir.path(), true)).records;
  REQUIRE(recs.size() == 4);
  CHECK(recs[0].image() == (dir / "images" / "a" / "10.jpg").string());
  CHECK(*recs[0].file(file_role::mask) == (dir / "masks" / "a" / "10.png").string());
  CHECK(recs[1].image() == (dir / "images" / "a" / "9.jpg").string());
  CHECK(recs[3].image() == (dir / "images" / "c.jpg").string());
  CHECK(recs[3].id == 3);
}

TEST_CASE("dataset: images without masks and masks without images are listed") {
  test::temp_dir dir;
  std::filesystem::create_directories(dir / "images");
  std::filesystem::create_directories(dir / "masks");
  for (int i = 0; i < 8; ++i) test::write_text(dir / "images" / (std::to_string(i) + ".png"), "x");
  test::write_text(dir / "masks" / "0.png", "x");
  try {
    build_index(folder_spec(dir.path(), true));
    FAIL("expected a dataset_error");
  } catch (const dataset_error& e) {
    const std::string msg = e.what();
    CHECK(msg.starts_with((dir / "masks").string() + ": no mask for 7 image(s): "));
    CHECK(msg.find((dir / "images" / "1.png").string()) != std::string::npos);
    CHECK(msg.find("(7 in all)") != std::string::npos);
  }
  test::write_text(dir / "masks" / "extra.png", "x");
  for (int i = 1; i < 8; ++i) test::write_text(dir / "masks" / (std::to_string(i) + ".png"), "x");
  CHECK_THROWS_WITH_AS(
      build_index(folder_spec(dir.path(), true)),
      ((dir / "images").string() + ": no image for 1 mask(s): " + (dir / "masks" / "extra.png").string()).c_str(),
      dataset_error);
  CHECK_THROWS_WITH_AS(build_index(folder_spec(dir / "nowhere", false)),
                       ((dir / "nowhere" / "images").string() + ": images folder does not exist").c_str(),
                       dataset_error);
}

TEST_CASE("dataset: list manifest, paths relative to the manifest, comments skipped, bad lines named") {
  test::temp_dir dir;
  std::filesystem::create_directories(dir / "lists");
  test::write_text(dir / "lists" / "train.tsv", "# image\tmask\nimg/a.jpg\tmask/a.png\r\n\n/abs/b.jpg\tmask/b.png\n");
  pipeline_spec s;
  s.dataset.format = dataset_format::list;
  s.dataset.root = dir.path();
  s.dataset.manifest = "lists/train.tsv";
  s.targets.mask = mask_target{.num_classes = 2};
  auto recs = build_index(s).records;
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].image() == (dir / "lists" / "img" / "a.jpg").string());
  CHECK(*recs[0].file(file_role::mask) == (dir / "lists" / "mask" / "a.png").string());
  CHECK(recs[1].image() == "/abs/b.jpg");
  test::write_text(dir / "lists" / "bad.tsv", "a.jpg\tm.png\nb.jpg\n");
  s.dataset.manifest = "lists/bad.tsv";
  CHECK_THROWS_WITH_AS(
      build_index(s),
      ((dir / "lists" / "bad.tsv").string() + ":2: expected 2 tab-separated columns (image path, mask path), found 1")
          .c_str(),
      dataset_error);
}
