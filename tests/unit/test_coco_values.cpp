// Values in annotation and spec files that must not be silently wrong: unbounded polygon points, category
// ids that do not fit a label, keys given twice, file names that leave the images folder, and values so
// long that an error line would be megabytes.
#include <imgbatch/imgbatch.hpp>

#include "cli/check.hpp"
#include "dataset/dataset.hpp"
#include "dataset/rle.hpp"
#include "support/fixtures.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>

using namespace imgbatch;
namespace fs = std::filesystem;

namespace {

// A COCO dataset under dir: images a.png (10x8) and b.png (6x6) in images/, `annotations` and
// `categories` as given (JSON arrays), written to instances.json.
void write_coco(const test::temp_dir& dir, const std::string& annotations, const std::string& categories,
                const std::string& images = R"([{"id": 1, "file_name": "a.png", "width": 10, "height": 8},
                                               {"id": 2, "file_name": "b.png", "width": 6, "height": 6}])") {
  test::write_textured_dataset(dir / "tmp", 2, false, 2, [](int i) {
    return i == 0 ? std::array<int, 2>{8, 10} : std::array<int, 2>{6, 6};
  });
  fs::create_directories(dir / "images");
  fs::rename(dir / "tmp" / "images" / "0000.png", dir / "images" / "a.png");
  fs::rename(dir / "tmp" / "images" / "0001.png", dir / "images" / "b.png");
  test::write_text(dir / "instances.json", R"({"images": )" + images + R"(, "annotations": )" + annotations +
                                               R"(, "categories": )" + categories + "}");
}

const std::string two_categories = R"([{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}])";

pipeline_spec coco_spec(const test::temp_dir& dir) {
  pipeline_spec s;
  s.dataset.format = dataset_format::coco;
  s.dataset.root = dir.path();
  s.dataset.annotations = "instances.json";
  s.targets.boxes = boxes_target{};
  s.transforms = {resize_op{.size = size2{8, 8}}};
  return s;
}

std::string problems_of(const pipeline_spec& s) {
  std::string out;
  for (const auto& p : detail::build_index(s, false).problems) out += p.text() + (p.fatal ? "\n" : " (mended)\n");
  return out;
}

}  // namespace

TEST_CASE("coco values: polygon points far outside the image are a problem, found at once, never cast") {
  test::temp_dir dir;
  // Before: 2e7 cost 16 s and 2.3 GB to rasterise; 1e308 was an undefined float-to-int cast.
  write_coco(
      dir,
      R"([{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4], "segmentation": [[1, 1, 20000000, 1, 5, 5]]},
                 {"id": 2, "image_id": 2, "category_id": 1, "bbox": [1, 1, 2, 2], "segmentation": [[1, 1, 1e308, -1e308, 3, 3]]},
                 {"id": 3, "image_id": 2, "category_id": 2, "bbox": [1, 1, 2, 2], "segmentation": [[-6, -6, 12, -6, 12, 12, -6, 12]]}])",
      two_categories);
  pipeline_spec s = coco_spec(dir);
  s.targets.instance_masks = instance_masks_target{};
  const auto start = std::chrono::steady_clock::now();
  const std::string file = (dir / "instances.json").string();
  CHECK(
      problems_of(s) ==
      file +
          ": annotation id 1: 'segmentation' point (2e+07, 1) lies farther outside the 10x8 image than its own size\n" +
          file +
          ": annotation id 2: 'segmentation' point (1e+308, -1e+308) lies farther outside the 6x6 image than its own size\n");
  CHECK_THROWS_WITH_AS(loader{s}, doctest::Contains("annotation id 1: 'segmentation' point (2e+07, 1)"), dataset_error);
  const auto report = detail::check_dataset(s, 1, {});
  REQUIRE(report.problems.size() == 2);
  CHECK(report.problems[1].entry == "annotation id 2");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // Id 3 (exactly one image size outside on every side) is accepted.
}

TEST_CASE("coco values: the polygon rasteriser bounds its input: huge points cost no time and cover the image") {
  // Reached only through the index's check, but bounded on its own too: no undefined cast, no 1e308-long
  // line. A polygon around the whole 6x6 image (out to 1e308) covers all 36 pixels.
  const double ring[] = {-1e308, -1e308, 1e308, -1e308, 1e308, 1e308, -1e308, 1e308};
  std::vector<std::uint32_t> counts;
  const auto start = std::chrono::steady_clock::now();
  detail::rle_from_polygon(ring, 4, 6, 6, counts);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  REQUIRE(counts.size() == 2);
  CHECK(counts[0] == 0);
  CHECK(counts[1] == 36);
}

TEST_CASE("coco values: category ids that do not fit a label, and -1, are refused under category_id labels") {
  test::temp_dir dir;
  // Before: 4294967313 became label 17 (the low 32 bits), -1 the padding value on a counted box.
  write_coco(dir,
             R"([{"id": 1, "image_id": 1, "category_id": 4294967313, "bbox": [1, 1, 4, 4]},
                 {"id": 2, "image_id": 2, "category_id": -1, "bbox": [1, 1, 2, 2]},
                 {"id": 3, "image_id": 2, "category_id": 17, "bbox": [1, 1, 2, 2]}])",
             R"([{"id": 4294967313, "name": "big"}, {"id": -1, "name": "minus"}, {"id": 17, "name": "sheep"}])");
  pipeline_spec s = coco_spec(dir);
  const std::string file = (dir / "instances.json").string();
  const std::string problems = problems_of(s);
  CHECK(problems.find(file + ": category id -1: would be label -1, the padding value of the labels tensor") !=
        std::string::npos);
  CHECK(problems.find(file + ": category id 4294967313: does not fit a label (a 32-bit integer)") != std::string::npos);
  CHECK_THROWS_AS(loader{s}, dataset_error);
  // The edges of a 32-bit label.
  test::temp_dir edges;
  write_coco(edges, "[]",
             R"([{"id": 2147483647, "name": "max"}, {"id": -2147483648, "name": "min"},
                 {"id": 2147483648, "name": "over"}, {"id": -2147483649, "name": "under"}])");
  const std::string edge_problems = problems_of(coco_spec(edges));
  const std::string edge_file = (edges / "instances.json").string();
  CHECK(edge_problems == edge_file +
                             ": category id -2147483649: does not fit a label (a 32-bit integer); set "
                             "dataset.category_labels to \"contiguous\" to number the categories\n" +
                             edge_file +
                             ": category id 2147483648: does not fit a label (a 32-bit integer); set "
                             "dataset.category_labels to \"contiguous\" to number the categories\n");
  // Numbered contiguously, every id is a label 0..2 in ascending id order.
  s.dataset.category_labels = label_mapping::contiguous;
  loader l(s);
  REQUIRE(l.classes().size() == 3);
  CHECK(l.classes()[0].category_id == -1);
  CHECK(l.classes()[0].label == 0);
  CHECK(l.classes()[2].category_id == 4294967313);
  CHECK(l.classes()[2].label == 2);
}

TEST_CASE("coco values: a key given twice is an error naming it, a repeated annotation id is reported") {
  test::temp_dir dir;
  const std::string ann = R"([{"id": 7, "image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4]}])";
  const std::string file = (dir / "instances.json").string();
  SUBCASE("'annotations' twice at the top level (before: every box counted twice)") {
    write_coco(dir, ann + R"(, "annotations": )" + ann, two_categories);
    CHECK_THROWS_WITH_AS(detail::build_index(coco_spec(dir), false),
                         (file + ": (top level): key 'annotations' given twice").c_str(), dataset_error);
  }
  SUBCASE("a field twice in an annotation") {
    write_coco(dir, R"([{"id": 7, "image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4], "bbox": [0, 0, 1, 1]}])",
               two_categories);
    CHECK_THROWS_WITH_AS(detail::build_index(coco_spec(dir), false),
                         (file + ": annotations[0]: key 'bbox' given twice").c_str(), dataset_error);
  }
  SUBCASE("a field twice in an image, a category, an RLE segmentation") {
    write_coco(dir, "[]", two_categories,
               R"([{"id": 1, "file_name": "a.png", "width": 10, "width": 10, "height": 8}])");
    CHECK_THROWS_WITH_AS(detail::build_index(coco_spec(dir), false),
                         (file + ": images[0]: key 'width' given twice").c_str(), dataset_error);
    write_coco(dir, "[]", R"([{"id": 1, "name": "cat", "name": "dog"}])");
    CHECK_THROWS_WITH_AS(detail::build_index(coco_spec(dir), false),
                         (file + ": categories[0]: key 'name' given twice").c_str(), dataset_error);
    write_coco(dir,
               R"([{"id": 7, "image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4],
                    "segmentation": {"size": [8, 10], "size": [8, 10], "counts": [80]}}])",
               two_categories);
    pipeline_spec s = coco_spec(dir);
    s.targets.instance_masks = instance_masks_target{};
    CHECK_THROWS_WITH_AS(detail::build_index(s, false),
                         (file + ": annotations[0] 'segmentation': key 'size' given twice").c_str(), dataset_error);
  }
  SUBCASE("an annotation id twice") {
    write_coco(dir,
               R"([{"id": 7, "image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4]},
                   {"id": 7, "image_id": 2, "category_id": 2, "bbox": [1, 1, 2, 2]}])",
               two_categories);
    CHECK(problems_of(coco_spec(dir)) == file + ": annotation id 7: listed twice (mended)\n");
    const auto report = detail::check_dataset(coco_spec(dir), 1, {});
    REQUIRE(report.problems.size() == 1);
    CHECK(report.problems[0].reason == "listed twice");
  }
  SUBCASE("a spec key twice (before: the first 'batch' was kept silently)") {
    CHECK_THROWS_WITH_AS(
        pipeline_spec::from_json(R"({"dataset": {"root": "x"}, "batch": {"size": 4}, "batch": {"size": 8}})"),
        "batch: given twice", config_error);
    CHECK_THROWS_WITH_AS(pipeline_spec::from_json(R"({"dataset": {"root": "x", "root": "y"}})"),
                         "dataset.root: given twice", config_error);
    CHECK_THROWS_WITH_AS(
        pipeline_spec::from_json(R"({"dataset": {"root": "x"}, "transforms": [{"op": "hflip", "p": 0.5, "p": 0.2}]})"),
        "transforms[0].p: given twice", config_error);
  }
}

TEST_CASE("coco values: a file_name that is absolute or climbs out of the images folder is refused by default") {
  test::temp_dir dir;
  write_coco(dir, "[]", two_categories,
             R"([{"id": 1, "file_name": "/etc/passwd", "width": 10, "height": 8},
                 {"id": 2, "file_name": "../../outside.png", "width": 6, "height": 6},
                 {"id": 3, "file_name": "sub/../a.png", "width": 10, "height": 8},
                 {"id": 4, "file_name": "link.png", "width": 6, "height": 6}])");
  fs::copy_file(dir / "images" / "b.png", dir / "outside.png");
  fs::create_symlink("../outside.png", dir / "images" / "link.png");  // a link inside the folder is followed
  pipeline_spec s = coco_spec(dir);
  s.dataset.keep_empty = true;
  const std::string file = (dir / "instances.json").string();
  CHECK(problems_of(s) == file +
                              ": image id 1: 'file_name' '/etc/passwd' is an absolute path, outside the images folder "
                              "(dataset.allow_outside_images allows it)\n" +
                              file +
                              ": image id 2: 'file_name' '../../outside.png' leaves the images folder through '..' "
                              "(dataset.allow_outside_images allows it)\n");
  CHECK_THROWS_AS(loader{s}, dataset_error);
  // Allowed: ../../outside.png is read (one level above the dataset root it does not exist: a problem
  // that names it), /etc/passwd is read and fails as not an image, without its content.
  s.dataset.allow_outside_images = true;
  const auto report = detail::check_dataset(s, 1, {});
  bool named = false;
  for (const auto& p : report.problems)
    if (p.file == "/etc/passwd") {
      named = true;
      CHECK(p.reason == "not a JPEG, PNG or WebP file (an unknown format)");  // before: its first bytes in hex
    }
  CHECK(named);
  // The option in JSON, and printed back.
  const auto parsed = pipeline_spec::from_json(
      R"({"dataset": {"format": "coco", "annotations": "a.json", "allow_outside_images": true}})", dir.path());
  CHECK(parsed.dataset.allow_outside_images);
  CHECK(pipeline_spec::from_json(parsed.to_json(), dir.path()).dataset.allow_outside_images);
  CHECK_FALSE(pipeline_spec().dataset.allow_outside_images);
}

TEST_CASE("coco values: error messages stay short: long values are clipped with their length") {
  test::temp_dir dir;
  const std::string huge(1 << 20, 'x');  // before: a 200 MB file_name made a 200 MB error line
  write_coco(dir, "[]", two_categories, R"([{"id": 1, "file_name": ")" + huge + R"(", "width": 10, "height": 8}])");
  const std::string problems = problems_of(coco_spec(dir));
  CHECK(problems.size() < 400);
  CHECK(problems.find("'file_name' is 1048576 bytes long, more than a path can be (4096): 'xxxx") != std::string::npos);
  CHECK(problems.find("... (1048576 bytes)'") != std::string::npos);
  // A list manifest's path.
  test::write_text(dir / "list.txt", "images/a.png\n" + huge + "\n");
  pipeline_spec list;
  list.dataset.format = dataset_format::list;
  list.dataset.root = dir.path();
  list.dataset.manifest = "list.txt";
  try {
    detail::build_index(list);
    FAIL("expected a dataset_error");
  } catch (const dataset_error& e) {
    const std::string msg = e.what();
    CHECK(msg.size() < 400);
    CHECK(msg.starts_with((dir / "list.txt").string() +
                          ":2: a path of 1048576 bytes, more than a path can be (4096): 'xxxx"));
  }
  // The spec: an unknown key and a bad enum value.
  try {
    pipeline_spec::from_json(R"({"dataset": {"root": "x", ")" + huge + R"(": 1}})");
    FAIL("expected a config_error");
  } catch (const config_error& e) {
    CHECK(std::string(e.what()).size() < 600);
    CHECK(std::string(e.what()).starts_with("dataset.xxxx"));
    CHECK(std::string(e.what()).find("... (1048576 bytes): unknown key") != std::string::npos);
  }
  try {
    pipeline_spec::from_json(R"({"dataset": {"root": "x", "format": ")" + huge + R"("}})");
    FAIL("expected a config_error");
  } catch (const config_error& e) {
    CHECK(std::string(e.what()).size() < 600);
    CHECK(std::string(e.what()).find("... (1048576 bytes)' is not one of") != std::string::npos);
  }
}
