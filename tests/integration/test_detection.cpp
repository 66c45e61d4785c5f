// Detection end to end: COCO, VOC and YOLO readers, boxes in batches, crowd and label policies, COCO
// masks, padding of mixed sizes, EXIF and declared sizes, mapping back to the source.
#include <imgbatch/imgbatch.hpp>

#include "cli/check.hpp"
#include "dataset/dataset.hpp"
#include "encode/png_writer.hpp"
#include "support/fixtures.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

using namespace imgbatch;
namespace fs = std::filesystem;

namespace {

const fs::path testdata = IMGBATCH_TESTDATA_DIR;

bool have(const fs::path& p) {
  if (fs::exists(p)) return true;
  MESSAGE("skipped: " << p.string() << " is absent (../shared/testdata)");
  return false;
}

std::vector<batch> all_batches(loader& l) {
  std::vector<batch> out;
  for (const batch& b : l) out.push_back(b);
  return out;
}

// A COCO dataset in `dir`: images/<name>.png of the given sizes (w, h), every pixel a colour of its own
// position, and annotations.json from `annotations_json` (a JSON array) and `images_json`.
void write_coco(const fs::path& dir, const std::vector<std::pair<std::string, std::array<int, 2>>>& images,
                const std::string& annotations_json,
                const std::string& categories_json =
                    R"([{"id": 1, "name": "cat"}, {"id": 3, "name": "dog"}, {"id": 7, "name": "owl"}])") {
  fs::create_directories(dir / "images");
  std::ostringstream os;
  os << "{\"images\": [";
  int id = 1;
  for (const auto& [name, wh] : images) {
    detail::write_png((dir / "images" / name).string(), test::make_image(wh[0], wh[1], 3, [](int x, int y, int c) {
                        return (x * 3 + y * 5 + c * 50) % 256;
                      }));
    os << (id > 1 ? ", " : "") << "{\"id\": " << id * 10 << ", \"file_name\": \"" << name << "\", \"width\": " << wh[0]
       << ", \"height\": " << wh[1] << "}";
    ++id;
  }
  os << "], \"annotations\": " << annotations_json << ", \"categories\": " << categories_json << "}";
  test::write_text(dir / "annotations.json", os.str());
}

pipeline_spec coco_spec(const fs::path& dir) {
  pipeline_spec s;
  s.dataset.format = dataset_format::coco;
  s.dataset.root = dir;
  s.dataset.annotations = "annotations.json";
  s.dataset.images = "images";
  s.targets.boxes = boxes_target{};
  s.batch.size = 2;
  s.batch.image_layout = layout::nhwc;
  s.batch.image_type = dtype::uint8;
  s.loader.threads = 2;
  return s;
}

// The real sample of SOURCES.md section 8 as COCO (v2, the 10 present images) or VOC, with boxes.
pipeline_spec real_sample(dataset_format f, const fs::path& root) {
  pipeline_spec s;
  s.dataset.format = f;
  s.dataset.root = root;
  s.dataset.images = "images";
  if (f == dataset_format::coco) {
    s.dataset.annotations = "gts/coco_format_v2/instances_v2.json";
    s.dataset.skip_missing = true;
  } else {
    s.dataset.annotations = "gts/pascalvoc_format";
    s.dataset.classes_file = "voc.names";
  }
  s.targets.boxes = boxes_target{};
  s.loader.threads = 2;
  return s;
}

std::vector<float> row(const tensor& t, std::size_t n, std::size_t m) {
  const float* p = t.data<float>() + (n * static_cast<std::size_t>(t.dim(1)) + m) * 4;
  return {p[0], p[1], p[2], p[3]};
}

}  // namespace

TEST_CASE("detection: the real COCO sample loads its 10 present images with their boxes, ragged and padded") {
  const fs::path root = testdata / "detection_voc_coco_yolo";
  if (!have(root)) return;
  pipeline_spec s = real_sample(dataset_format::coco, root);
  s.transforms = {letterbox_op{{256, 256}, {114, 114, 114}}};
  s.batch.size = 4;
  loader l(s);
  CHECK(l.dataset_size() == 10);
  REQUIRE(l.classes().size() == 20);
  CHECK(l.classes()[0].name == "person");
  CHECK(l.classes()[0].label == 1);
  std::map<std::string, int> counts;
  std::size_t seen = 0;
  for (const batch& b : l) {
    const tensor& boxes = b["boxes"];
    const tensor& labels = b["labels"];
    const tensor& count = b["box_count"];
    const auto M = static_cast<std::size_t>(boxes.dim(1));
    int most = 0;
    const ragged_boxes r = b.boxes();
    REQUIRE(r.offsets.size() == b.size() + 1);
    for (std::size_t i = 0; i < b.size(); ++i) {
      const int n = count.data<std::int32_t>()[i];
      most = std::max(most, n);
      counts[fs::path(b.samples()[i].image_path).filename().string()] = n;
      CHECK(b.samples()[i].source_id >= 20180000001);
      CHECK(r.offsets[i + 1] - r.offsets[i] == n);
      for (std::size_t m = 0; m < M; ++m) {
        const std::int32_t label = labels.data<std::int32_t>()[i * M + m];
        if (static_cast<int>(m) >= n) {
          CHECK(label == -1);
          CHECK(row(boxes, i, m) == std::vector<float>{0, 0, 0, 0});
        } else {
          CHECK(label >= 1);
          CHECK(r.labels[static_cast<std::size_t>(r.offsets[i]) + m] == label);
          for (int k = 0; k < 4; ++k)
            CHECK(r.boxes[(static_cast<std::size_t>(r.offsets[i]) + m) * 4 + k] ==
                  row(boxes, i, m)[static_cast<std::size_t>(k)]);
        }
      }
    }
    CHECK(static_cast<int>(M) == most);  // M is the batch's largest count
    seen += b.size();
  }
  CHECK(seen == 10);
  // Object counts per image, from SOURCES.md (the same in the VOC, COCO and YOLO files).
  CHECK(counts["2007_000027.jpg"] == 1);
  CHECK(counts["2007_000032.jpg"] == 4);
  CHECK(counts["2007_000033.jpg"] == 3);
}

TEST_CASE("detection: every output box maps back onto its annotation within 1e-3 px where it was not clipped") {
  const fs::path root = testdata / "detection_voc_coco_yolo";
  if (!have(root)) return;
  pipeline_spec s = real_sample(dataset_format::voc, root);
  s.transforms = {hflip_op{}, random_resized_crop_op{{200, 300}, {0.3, 1.0}}, vflip_op{}};
  s.batch.size = 5;
  loader l(s);
  int label_of_aeroplane = -1, label_of_person = -1;
  for (const auto& c : l.classes()) {
    if (c.name == "aeroplane") label_of_aeroplane = c.label;
    if (c.name == "person") label_of_person = c.label;
  }
  // 2007_000032.xml, read by hand (SOURCES.md section 8): two aeroplanes and two people.
  const std::vector<std::pair<int, std::array<double, 4>>> want = {{label_of_aeroplane, {104, 78, 375, 183}},
                                                                   {label_of_aeroplane, {133, 88, 197, 123}},
                                                                   {label_of_person, {195, 180, 213, 229}},
                                                                   {label_of_person, {26, 189, 44, 238}}};
  int sides = 0, whole = 0;
  for (std::uint64_t epoch = 0; epoch < 8; ++epoch) {
    l.set_epoch(epoch);
    for (const batch& b : l) {
      const ragged_boxes r = b.boxes();
      for (std::size_t i = 0; i < b.size(); ++i) {
        const auto& info = b.samples()[i];
        if (fs::path(info.image_path).filename() != "2007_000032.jpg") continue;
        const auto& g = info.geometry;
        const double edge[4] = {g.crop_x, g.crop_y, g.crop_x + g.crop_width, g.crop_y + g.crop_height};
        for (auto k = r.offsets[i]; k < r.offsets[i + 1]; ++k) {
          const auto back =
              g.box_to_source({r.boxes[k * 4], r.boxes[k * 4 + 1], r.boxes[k * 4 + 2], r.boxes[k * 4 + 3]});
          // the annotation of the same class that agrees best; every side not on the crop's edge must match
          double best = 1e9;
          int best_sides = 0;
          bool best_whole = false;
          for (const auto& [label, a] : want) {
            if (label != r.labels[k]) continue;
            double worst = 0;
            int n = 0;
            for (int c = 0; c < 4; ++c)
              if (std::fabs(back[c] - edge[c]) > 1e-6) {
                worst = std::max(worst, std::fabs(back[c] - a[c]));
                ++n;
              }
            if (worst < best) {
              best = worst;
              best_sides = n;
              best_whole = n == 4;
            }
          }
          CHECK(best < 1e-3);
          sides += best_sides;
          whole += best_whole;
        }
      }
    }
  }
  CHECK(whole > 5);
  CHECK(sides > 4 * whole);
}

TEST_CASE("detection: COCO, VOC and YOLO problems are named with their file and entry") {
  test::temp_dir dir;
  write_coco(dir.path(), {{"a.png", {20, 10}}, {"b.png", {8, 8}}},
             R"([{"id": 1, "image_id": 10, "category_id": 3, "bbox": [1, 1, 4, 4]},
                 {"id": 2, "image_id": 10, "category_id": 5, "bbox": [1, 1, 4, 4]},
                 {"id": 3, "image_id": 99, "category_id": 1, "bbox": [1, 1, 4, 4]},
                 {"id": 4, "image_id": 20, "category_id": 1, "bbox": [6, 6, 5, 5]},
                 {"id": 5, "image_id": 20, "category_id": 1, "bbox": [2, 2, -1, 3]}])");
  const std::string json = (dir / "annotations.json").string();
  const auto report = detail::check_dataset(coco_spec(dir.path()), 2, {});
  std::set<std::string> lines;
  for (const auto& p : report.problems) lines.insert(p.file + ": " + p.entry + ": " + p.reason);
  CHECK(lines.count(json + ": annotation id 2: unknown category id 5"));
  CHECK(lines.count(json + ": annotation id 3: refers to image id 99, which 'images' does not list"));
  CHECK(lines.count(
      json +
      ": annotation id 4: box (x1, y1, x2, y2) [6, 6, 11, 11] reaches outside its 8x8 image: clipped to [6, 6, 8, 8]"));
  CHECK(lines.count(json + ": annotation id 5: box (x1, y1, x2, y2) [2, 2, 1, 5] has a negative width or height"));
  CHECK(report.problems.size() == 4);
  // The loader refuses the fatal ones, naming them.
  try {
    loader l(coco_spec(dir.path()));
    FAIL("expected a dataset_error");
  } catch (const dataset_error& e) {
    const std::string what = e.what();
    CHECK(what.find("2 problem(s) in the dataset") != std::string::npos);
    CHECK(what.find("annotation id 2: unknown category id 5") != std::string::npos);
  }
  // Duplicate image ids and missing files.
  test::temp_dir dup;
  write_coco(dup.path(), {{"a.png", {20, 10}}}, "[]");
  test::write_text(dup / "annotations.json",
                   R"({"images": [{"id": 1, "file_name": "a.png", "width": 20, "height": 10},
                                  {"id": 1, "file_name": "gone.png", "width": 20, "height": 10},
                                  {"id": 2, "file_name": "gone.png", "width": 20, "height": 10}],
                       "annotations": [], "categories": []})");
  const auto dups = detail::check_dataset(coco_spec(dup.path()), 1, {});
  REQUIRE(dups.problems.size() == 2);
  CHECK(dups.problems[0].entry == "image id 1");
  CHECK(dups.problems[0].reason == "image id listed twice (gone.png)");
  CHECK(dups.problems[1].file == (dup / "images" / "gone.png").string());
  CHECK(dups.problems[1].reason == "image file not found");
  auto skip = coco_spec(dup.path());
  skip.dataset.skip_missing = true;
  CHECK_THROWS_WITH_AS(loader{skip}, doctest::Contains("image id listed twice"), dataset_error);
  // YOLO: a malformed line and a class beyond the names.
  test::temp_dir y;
  fs::create_directories(y / "images");
  fs::create_directories(y / "labels");
  detail::write_png((y / "images" / "a.png").string(), test::make_image(4, 4, 3, [](int, int, int) { return 9; }));
  test::write_text(y / "labels" / "a.txt", "0 0.5 0.5 0.2 0.2\n1 0.5 0.5\n5 0.5 0.5 0.1 0.1\n");
  pipeline_spec ys;
  ys.dataset.format = dataset_format::yolo;
  ys.dataset.root = y.path();
  ys.dataset.labels = "labels";
  ys.dataset.classes = {"a", "b"};
  ys.targets.boxes = boxes_target{};
  const auto yr = detail::check_dataset(ys, 1, {});
  REQUIRE(yr.problems.size() == 2);
  CHECK(yr.problems[0].entry == "line 2");
  CHECK(yr.problems[0].reason == "expected 'class cx cy w h' with an integer class >= 0, got '1 0.5 0.5'");
  CHECK(yr.problems[1].reason == "class 5 is beyond the 2 class names");
}

// Found by fuzz_coco and fuzz_voc (tests/fuzz): each crashed or hit undefined behaviour before.
TEST_CASE("detection: broken COCO JSON, out-of-range sizes and too many annotations are named problems") {
  test::temp_dir dir;
  write_coco(dir.path(), {{"a.png", {8, 8}}}, "[]");
  const std::string json = (dir / "annotations.json").string();
  // A structural error inside a bbox array: simdjson threw from the range-for, which terminated.
  test::write_text(dir / "annotations.json",
                   R"({"images": [{"id": 1, "file_name": "a.png", "width": 8, "height": 8}],
                       "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1 2, 3]}],
                       "categories": [{"id": 1, "name": "x"}]})");
  CHECK_THROWS_WITH_AS(detail::build_index(coco_spec(dir.path()), false),
                       doctest::Contains((json + ": invalid JSON: ").c_str()), dataset_error);
  // A width of 1e300 was cast to an integer (undefined); 2^32 + 8 wrapped round to 8.
  const std::map<std::string, std::string> sizes = {
      {"1e300", "'width' must be an integer"},            // beyond int64: not cast
      {"4294967304", "'width' must be 0 to 2147483647"},  // 2^32 + 8 once wrapped to 8
      {"2147483648", "'width' must be 0 to 2147483647"},
      {"-1", "'width' must be 0 to 2147483647"}};
  for (const auto& [width, why] : sizes) {
    CAPTURE(width);
    test::write_text(dir / "annotations.json", R"({"images": [{"id": 1, "file_name": "a.png", "width": )" + width +
                                                   R"(, "height": 8}], "annotations": [], "categories": []})");
    CHECK_THROWS_WITH_AS(detail::build_index(coco_spec(dir.path()), false), (json + ": images[0]: " + why).c_str(),
                         dataset_error);
  }
  test::write_text(dir / "annotations.json", R"({"images": [{"id": 1, "file_name": "a.png", "width": 2147483647,
                   "height": 8}], "annotations": [], "categories": []})");
  CHECK(detail::build_index(coco_spec(dir.path()), false).records.size() == 1);  // the largest int is a size
  // dataset.max_annotations: image 10 has 3 annotations, image 20 one; a limit of 2 refuses image 10 by name.
  write_coco(dir.path(), {{"a.png", {8, 8}}, {"b.png", {8, 8}}},
             R"([{"id": 1, "image_id": 10, "category_id": 1, "bbox": [1, 1, 2, 2]},
                 {"id": 2, "image_id": 10, "category_id": 1, "bbox": [1, 1, 3, 3]},
                 {"id": 3, "image_id": 10, "category_id": 1, "bbox": [1, 1, 4, 4]},
                 {"id": 4, "image_id": 20, "category_id": 1, "bbox": [1, 1, 2, 2]}])");
  auto limited = coco_spec(dir.path());
  limited.dataset.max_annotations = 3;
  CHECK(detail::build_index(limited, false).problems.empty());
  limited.dataset.max_annotations = 2;
  const auto over = detail::build_index(limited, false);
  REQUIRE(over.problems.size() == 1);
  CHECK(over.problems[0].file == json);
  CHECK(over.problems[0].entry == (dir / "images" / "a.png").string());
  CHECK(over.problems[0].reason == "3 annotations, more than dataset.max_annotations (2)");
  REQUIRE(over.records.size() == 1);
  CHECK(over.records[0].image() == (dir / "images" / "b.png").string());
  CHECK_THROWS_WITH_AS(loader{limited}, doctest::Contains("3 annotations, more than dataset.max_annotations (2)"),
                       dataset_error);
  // VOC: a <size> beyond an int is a problem of its file, not a wrapped size.
  test::temp_dir v;
  fs::create_directories(v / "images");
  fs::create_directories(v / "ann");
  detail::write_png((v / "images" / "a.png").string(), test::make_image(4, 4, 3, [](int, int, int) { return 9; }));
  test::write_text(v / "ann" / "a.xml", "<annotation><size><width>1e300</width><height>4</height></size></annotation>");
  pipeline_spec vs;
  vs.dataset.format = dataset_format::voc;
  vs.dataset.root = v.path();
  vs.dataset.annotations = "ann";
  vs.dataset.classes = {"a"};
  vs.targets.boxes = boxes_target{};
  const auto vr = detail::build_index(vs, false);
  REQUIRE(vr.problems.size() == 1);
  CHECK(vr.problems[0].entry == "<size>");
  CHECK(vr.problems[0].reason == "width and height must be positive numbers up to 2147483647");
}

TEST_CASE("detection: crowd, label mapping and empty-image policies") {
  test::temp_dir dir;
  write_coco(dir.path(), {{"a.png", {20, 10}}, {"b.png", {8, 8}}},
             R"([{"id": 1, "image_id": 10, "category_id": 3, "bbox": [1, 2, 4, 5]},
                 {"id": 2, "image_id": 10, "category_id": 7, "bbox": [5, 1, 10, 2], "iscrowd": 1}])");
  auto load = [&](auto tweak) {
    pipeline_spec s = coco_spec(dir.path());
    s.batch.size = 1;
    tweak(s);
    loader l(s);
    std::vector<std::pair<std::vector<std::int32_t>, std::vector<std::uint8_t>>> out;
    for (const batch& b : l) {
      const ragged_boxes r = b.boxes();
      out.push_back({std::vector<std::int32_t>(r.labels.begin(), r.labels.end()),
                     std::vector<std::uint8_t>(r.flags.begin(), r.flags.end())});
    }
    return out;
  };
  using labels = std::vector<std::int32_t>;
  using flags = std::vector<std::uint8_t>;
  auto flag = load([](pipeline_spec&) {});
  REQUIRE(flag.size() == 2);
  CHECK(flag[0].first == labels{3, 7});
  CHECK(flag[0].second == flags{0, 1});  // box_flags: bit 0 = crowd
  CHECK(flag[1].first.empty());
  auto drop = load([](pipeline_spec& s) { s.dataset.crowd = crowd_policy::drop; });
  CHECK(drop[0].first == labels{3});
  auto region = load([](pipeline_spec& s) { s.dataset.crowd = crowd_policy::ignore_region; });
  CHECK(region[0].first == labels{3});
  auto contiguous = load([](pipeline_spec& s) { s.dataset.category_labels = label_mapping::contiguous; });
  CHECK(contiguous[0].first == labels{1, 2});  // ids 1, 3, 7 -> 0, 1, 2
  auto from1 = load([](pipeline_spec& s) { s.dataset.category_labels = label_mapping::contiguous_from_1; });
  CHECK(from1[0].first == labels{2, 3});
  auto no_empty = load([](pipeline_spec& s) { s.dataset.keep_empty = false; });
  CHECK(no_empty.size() == 1);
}

TEST_CASE("detection: boxes in xywh, cxcywh and normalised form, max_boxes truncates and counts") {
  test::temp_dir dir;
  write_coco(dir.path(), {{"a.png", {20, 10}}},
             R"([{"id": 1, "image_id": 10, "category_id": 1, "bbox": [2, 1, 6, 4]},
                 {"id": 2, "image_id": 10, "category_id": 3, "bbox": [10, 5, 4, 2]}])");
  auto first_boxes = [&](box_format f, bool normalized, int max_boxes = 0) {
    pipeline_spec s = coco_spec(dir.path());
    s.batch.size = 1;
    s.targets.boxes = boxes_target{.format = f, .normalized = normalized, .max_boxes = max_boxes};
    loader l(s);
    auto bs = all_batches(l);
    const tensor& t = bs.at(0)["boxes"];
    std::vector<float> v(t.data<float>(), t.data<float>() + t.numel());
    return std::pair{v, l.stats().boxes_truncated};
  };
  CHECK(first_boxes(box_format::xyxy, false).first == std::vector<float>{2, 1, 8, 5, 10, 5, 14, 7});
  CHECK(first_boxes(box_format::xywh, false).first == std::vector<float>{2, 1, 6, 4, 10, 5, 4, 2});
  CHECK(first_boxes(box_format::cxcywh, false).first == std::vector<float>{5, 3, 6, 4, 12, 6, 4, 2});
  CHECK(first_boxes(box_format::xyxy, true).first ==
        std::vector<float>{0.1f, 0.1f, 0.4f, 0.5f, 0.5f, 0.5f, 0.7f, 0.7f});
  auto [one, dropped] = first_boxes(box_format::xyxy, false, 1);
  CHECK(one == std::vector<float>{2, 1, 8, 5});
  CHECK(dropped == 1);
}

TEST_CASE("detection: mixed sizes pad to the batch's largest, rounded to the divisor, with valid marking the image") {
  test::temp_dir dir;
  write_coco(dir.path(), {{"a.png", {20, 10}}, {"b.png", {7, 13}}}, "[]");
  pipeline_spec s = coco_spec(dir.path());
  s.batch.pad = pad_spec{.divisor = 8, .value = {9, 9, 9}};
  loader l(s);
  auto bs = all_batches(l);
  REQUIRE(bs.size() == 1);
  const tensor& img = bs[0]["image"];
  const tensor& valid = bs[0]["valid"];
  // max height 13 -> 16, max width 20 -> 24
  CHECK(std::vector<std::int64_t>(img.shape().begin(), img.shape().end()) == std::vector<std::int64_t>{2, 16, 24, 3});
  CHECK(std::vector<std::int64_t>(valid.shape().begin(), valid.shape().end()) == std::vector<std::int64_t>{2, 16, 24});
  const std::uint8_t* v = valid.data<std::uint8_t>();
  const std::uint8_t* p = img.data<std::uint8_t>();
  for (int n = 0; n < 2; ++n) {
    const int w = n == 0 ? 20 : 7, h = n == 0 ? 10 : 13;
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 24; ++x) {
        const bool in = x < w && y < h;
        const std::size_t at = (static_cast<std::size_t>(n) * 16 + y) * 24 + x;
        CHECK(v[at] == in);
        // the fixture's pixel value, or the pad value
        CHECK(p[at * 3 + 1] == (in ? (x * 3 + y * 5 + 50) % 256 : 9));
      }
  }
  // A fixed pad size: a larger sample is an error naming it.
  s.batch.pad = pad_spec{.to = size2{12, 24}};
  loader small(s);
  CHECK_THROWS_WITH_AS(all_batches(small), doctest::Contains("b.png: output is 7x13, larger than batch.pad.to 24x12"),
                       sample_error);
  // Without pad, mixed sizes are refused whichever sample finishes first.
  s.batch.pad.reset();
  loader none(s);
  CHECK_THROWS_WITH_AS(all_batches(none),
                       doctest::Contains("b.png: output is 7x13 but this batch is 20x10 (its first sample"),
                       sample_error);
}

TEST_CASE("detection: grouped by aspect ratio, every batch holds one orientation and pads little") {
  test::temp_dir dir;
  std::vector<std::pair<std::string, std::array<int, 2>>> images;
  for (int i = 0; i < 12; ++i) {
    std::string name = "i";
    name += std::to_string(i);
    name += ".png";
    images.push_back({name, i % 3 ? std::array{16, 8} : std::array{8, 16}});
  }
  write_coco(dir.path(), images, "[]");
  pipeline_spec s = coco_spec(dir.path());
  s.batch.size = 2;
  s.batch.pad = pad_spec{};
  s.sampler = {.shuffle = true, .seed = 5, .group_by_aspect = 2};
  loader l(s);
  CHECK(l.size() == 6);  // 4 portrait + 8 landscape, pairs
  for (const batch& b : l) {
    const tensor& img = b["image"];
    const bool landscape = img.dim(2) == 16;
    CHECK(img.dim(1) == (landscape ? 8 : 16));  // no padding: both samples share the orientation
    for (const auto& info : b.samples()) CHECK((info.geometry.source_width == 16) == landscape);
  }
}

TEST_CASE("detection: COCO polygons and RLE become the class mask and instance masks, crowd as ignore") {
  const fs::path root = testdata / "datumaro_formats/coco_dataset/coco_instances";
  if (!have(root)) return;
  pipeline_spec s;
  s.dataset.format = dataset_format::coco;
  s.dataset.root = root;
  s.dataset.annotations = "annotations/instances_val.json";
  s.dataset.images = "images/val";
  s.targets.mask = mask_target{.num_classes = 8, .ignore_index = 255, .type = dtype::uint8};
  s.targets.boxes = boxes_target{};
  s.targets.instance_masks = instance_masks_target{};
  s.batch.size = 1;
  s.batch.image_type = dtype::uint8;
  s.batch.image_layout = layout::nhwc;
  // b.jpg is 5 wide, 10 high. Annotation 1: polygon [0,1] x [0,2] -> pixel centres (0,0), (0,1), label 1.
  // Annotation 2 (crowd): RLE counts [0, 20, 30] down the columns -> columns 0 and 1, all rows.
  auto load = [&](crowd_policy c) {
    s.dataset.crowd = c;
    loader l(s);
    return all_batches(l).at(0);
  };
  auto mask_of = [](const batch& b) {
    const tensor& m = b["mask"];
    return std::vector<std::uint8_t>(m.data<std::uint8_t>(), m.data<std::uint8_t>() + m.numel());
  };
  std::vector<std::uint8_t> want(50, 0);
  for (int y = 0; y < 10; ++y) want[static_cast<std::size_t>(y * 5)] = want[static_cast<std::size_t>(y * 5 + 1)] = 255;
  batch flagged = load(crowd_policy::flag);
  CHECK(mask_of(flagged) == want);  // the crowd region covers the polygon too
  const tensor& inst = flagged["instance_masks"];
  REQUIRE(std::vector<std::int64_t>(inst.shape().begin(), inst.shape().end()) ==
          std::vector<std::int64_t>{1, 2, 10, 5});
  const std::uint8_t* im = inst.data<std::uint8_t>();
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 5; ++x) {
      CHECK(im[y * 5 + x] == (x == 0 && y < 2));  // polygon
      CHECK(im[50 + y * 5 + x] == (x < 2));       // RLE
    }
  batch region = load(crowd_policy::ignore_region);
  CHECK(mask_of(region) == want);  // still painted as ignore_index, but not a box
  CHECK(region["instance_masks"].dim(1) == 1);
  CHECK(region.boxes().offsets.back() == 1);
  batch dropped = load(crowd_policy::drop);
  std::vector<std::uint8_t> poly(50, 0);
  poly[0] = poly[5] = 1;
  CHECK(mask_of(dropped) == poly);
  CHECK(dropped["instance_masks"].dim(1) == 1);
}

TEST_CASE("detection: an annotated size that disagrees with the image names both and suggests decode.exif") {
  const fs::path jpg = testdata / "pillow/orientation_rectangle.jpg";  // stored 2x1, EXIF 8: decoded 1x2
  if (!have(jpg)) return;
  test::temp_dir dir;
  fs::create_directories(dir / "images");
  fs::copy_file(jpg, dir / "images" / "r.jpg");
  auto spec_with = [&](int w, int h, const char* bbox) {
    std::ostringstream os;
    os << R"({"images": [{"id": 1, "file_name": "r.jpg", "width": )" << w << ", \"height\": " << h
       << R"(}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": )" << bbox
       << R"(}], "categories": [{"id": 1, "name": "x"}]})";
    test::write_text(dir / "annotations.json", os.str());
    pipeline_spec s = coco_spec(dir.path());
    s.batch.size = 1;
    return s;
  };
  // Annotated on the stored pixels (2 wide, 1 high) while the decoded image is upright (1x2).
  pipeline_spec s = spec_with(2, 1, "[0, 0, 1, 1]");
  loader l(s);
  try {
    all_batches(l);
    FAIL("expected a sample_error");
  } catch (const sample_error& e) {
    CHECK(e.file() == (dir / "images" / "r.jpg").string());
    CHECK(e.reason().find("give its size as 2x1 but the image is 1x2 after EXIF orientation; the swapped size "
                          "matches: its EXIF orientation 8 turns it by 90 degrees. If the annotations were made on "
                          "the stored pixels, set decode.exif to \"ignore\"") != std::string::npos);
  }
  // With the stored frame declared, the box turns with the image: orientation 8 (ROTATE_90) moves the
  // stored left pixel (x 0..1, y 0..1 of 2x1) to the bottom of the upright 1x2 image: [0, 1, 1, 2].
  s.dataset.frame = annotation_frame::stored;
  loader turned(s);
  auto b = all_batches(turned).at(0);
  const tensor& boxes = b["boxes"];
  CHECK(std::vector<float>(boxes.data<float>(), boxes.data<float>() + 4) == std::vector<float>{0, 1, 1, 2});
  CHECK(b.samples()[0].geometry.exif_orientation == 8);
  const auto stored = b.samples()[0].geometry.box_to_stored({0, 1, 1, 2});
  CHECK(stored == std::array<double, 4>{0, 0, 1, 1});
}

TEST_CASE("detection: a predicted mask maps back to the source by nearest neighbour, fill outside the crop") {
  sample_geometry g;
  g.source_width = 4;
  g.source_height = 2;
  // letterbox-like: x * 2 + 1, y * 2, flipped in x: out x = -2 * x + 9 (source 0..4 -> 9..1)
  g.matrix = {-2, 0, 9, 0, 2, 0};
  g.output_width = 10;
  g.output_height = 4;
  g.crop_x = 0;
  g.crop_y = 0;
  g.crop_width = 4;
  g.crop_height = 2;
  std::vector<std::uint8_t> mask(10 * 4);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 10; ++x) mask[static_cast<std::size_t>(y * 10 + x)] = static_cast<std::uint8_t>(10 * y + x);
  std::vector<std::uint8_t> out(8);
  g.mask_to_source(mask.data(), 4, 10, 99, out.data());
  // source (x, y) centre (x + .5, y + .5) -> output (8 - 2x, 2y + 1): row 2y + 1, column 8 - 2x
  CHECK(out == std::vector<std::uint8_t>{18, 16, 14, 12, 38, 36, 34, 32});
  g.crop_x = 1;  // the first source column is not visible
  g.crop_width = 3;
  g.mask_to_source(mask.data(), 4, 10, 99, out.data());
  CHECK(out == std::vector<std::uint8_t>{99, 16, 14, 12, 99, 36, 34, 32});
}

TEST_CASE("detection: VOC XML is parsed as XML: a part's box is not the object's, missing fields are optional") {
  const fs::path root = testdata / "datumaro_formats/voc_dataset/voc_dataset1";
  if (!have(root)) return;
  pipeline_spec s;
  s.dataset.format = dataset_format::voc;
  s.dataset.root = root;
  s.dataset.images = "JPEGImages";
  s.dataset.annotations = "Annotations";
  s.dataset.classes = {"aeroplane", "bicycle",     "bird",  "boat",        "bottle", "bus",      "car",
                       "cat",       "chair",       "cow",   "diningtable", "dog",    "horse",    "motorbike",
                       "person",    "pottedplant", "sheep", "sofa",        "train",  "tvmonitor"};
  s.targets.boxes = boxes_target{};
  s.batch.size = 1;
  // 2007_000002.jpg has no XML: loaded without boxes, and `check` says so.
  const auto report = detail::check_dataset(s, 1, {});
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].file == (root / "JPEGImages" / "2007_000002.jpg").lexically_normal().string());
  CHECK(report.problems[0].reason.find("no annotation file") == 0);
  loader l(s);
  auto bs = all_batches(l);
  REQUIRE(bs.size() == 2);
  const ragged_boxes r = bs[0].boxes();
  // cat [1, 2, 3, 4] (truncated, not difficult), person [4, 5, 6, 7]: its <part> head [5.5, 6, 7.5, 8] is ignored
  CHECK(std::vector<float>(r.boxes.begin(), r.boxes.end()) == std::vector<float>{1, 2, 3, 4, 4, 5, 6, 7});
  CHECK(std::vector<std::int32_t>(r.labels.begin(), r.labels.end()) == std::vector<std::int32_t>{7, 14});
  CHECK(std::vector<std::uint8_t>(r.flags.begin(), r.flags.end()) == std::vector<std::uint8_t>{0, 0});
  CHECK(bs[1].boxes().offsets.back() == 0);
  // An unknown class name is a problem naming the file and the object.
  s.dataset.classes = {"cat"};
  CHECK_THROWS_WITH_AS(loader{s},
                       doctest::Contains("2007_000001.xml: <object> 2: class 'person' is not in dataset.classes"),
                       dataset_error);
}

TEST_CASE("detection: batches of real photos are byte-identical with 1 and 2 threads, padding and boxes included") {
  const fs::path root = testdata / "detection_voc_coco_yolo";
  if (!have(root)) return;
  auto run = [&](int threads) {
    pipeline_spec s = real_sample(dataset_format::coco, root);
    s.sampler = {.shuffle = true, .seed = 11};
    // sizes differ per sample (random_iou_crop, multi-scale resize): the batch shape comes from padding
    s.transforms = {hflip_op{}, random_iou_crop_op{}, resize_op{.shorter = {96, 128, 160}, .max_longer = 200}};
    s.batch.size = 4;
    s.batch.pad = pad_spec{.divisor = 16};
    s.batch.image_type = dtype::uint8;
    s.loader.threads = threads;
    loader l(s);
    std::vector<std::vector<std::uint8_t>> out;
    for (std::uint64_t e = 0; e < 3; ++e) {
      l.set_epoch(e);
      for (const batch& b : l)
        for (auto name : b.names()) {
          const tensor& t = b[name];
          const auto* p = static_cast<const std::uint8_t*>(t.raw());
          out.emplace_back(p, p + t.nbytes());
          out.emplace_back(reinterpret_cast<const std::uint8_t*>(t.shape().data()),
                           reinterpret_cast<const std::uint8_t*>(t.shape().data() + t.rank()));
        }
    }
    return out;
  };
  const auto one = run(1), two = run(2), four = run(4);
  REQUIRE(one.size() == two.size());
  REQUIRE(one.size() == four.size());
  for (std::size_t i = 0; i < one.size(); ++i) {
    CHECK(one[i] == two[i]);
    CHECK(one[i] == four[i]);
  }
  CHECK(one.size() > 20);
}

TEST_CASE("detection: labels, flags and instance masks follow their boxes when a crop drops one") {
  test::temp_dir dir;
  // 40 wide, 20 high; a center_crop to 20x20 keeps x 10..30: box 1 (x 0..8) is dropped, 2 and 3 stay.
  write_coco(
      dir.path(), {{"a.png", {40, 20}}},
      R"([{"id": 1, "image_id": 10, "category_id": 1, "bbox": [0, 0, 8, 8], "segmentation": [[0, 0, 8, 0, 8, 8, 0, 8]]},
                 {"id": 2, "image_id": 10, "category_id": 3, "bbox": [12, 2, 4, 6], "iscrowd": 1,
                  "segmentation": [[12, 2, 16, 2, 16, 8, 12, 8]]},
                 {"id": 3, "image_id": 10, "category_id": 7, "bbox": [20, 10, 6, 4], "segmentation": [[20, 10, 26, 10, 26, 14, 20, 14]]}])");
  pipeline_spec s = coco_spec(dir.path());
  s.batch.size = 1;
  s.targets.instance_masks = instance_masks_target{};
  s.transforms = {center_crop_op{{20, 20}}};
  loader l(s);
  auto b = all_batches(l).at(0);
  const ragged_boxes r = b.boxes();
  CHECK(std::vector<float>(r.boxes.begin(), r.boxes.end()) == std::vector<float>{2, 2, 6, 8, 10, 10, 16, 14});
  CHECK(std::vector<std::int32_t>(r.labels.begin(), r.labels.end()) == std::vector<std::int32_t>{3, 7});
  CHECK(std::vector<std::uint8_t>(r.flags.begin(), r.flags.end()) == std::vector<std::uint8_t>{1, 0});
  const tensor& flags = b["box_flags"];
  CHECK(std::vector<std::uint8_t>(flags.data<std::uint8_t>(), flags.data<std::uint8_t>() + flags.numel()) ==
        std::vector<std::uint8_t>{1, 0});
  const tensor& inst = b["instance_masks"];
  REQUIRE(inst.dim(1) == 2);
  const std::uint8_t* m = inst.data<std::uint8_t>();
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 20; ++x) {
      CHECK(m[y * 20 + x] == (x >= 2 && x < 6 && y >= 2 && y < 8));            // annotation 2, moved
      CHECK(m[400 + y * 20 + x] == (x >= 10 && x < 16 && y >= 10 && y < 14));  // annotation 3, moved
    }
}

TEST_CASE("detection: boxes sit on the pixels of their objects after every geometric op") {
  // Three solid rectangles on black, each annotated with its exact box; after random chains, the pixel at
  // each output box's centre has its rectangle's colour, and just outside an unclipped side it does not.
  test::temp_dir dir;
  fs::create_directories(dir / "images");
  const std::array<std::array<int, 4>, 3> rects = {{{20, 30, 90, 80}, {120, 10, 190, 60}, {60, 90, 160, 140}}};
  const std::array<std::array<int, 3>, 3> colours = {{{250, 40, 40}, {40, 250, 40}, {40, 40, 250}}};
  detail::write_png((dir / "images" / "r.png").string(), test::make_image(200, 150, 3, [&](int x, int y, int c) {
                      for (std::size_t k = 0; k < 3; ++k)
                        if (x >= rects[k][0] && x < rects[k][2] && y >= rects[k][1] && y < rects[k][3])
                          return colours[k][static_cast<std::size_t>(c)];
                      return 0;
                    }));
  std::ostringstream anns;
  for (std::size_t k = 0; k < 3; ++k)
    anns << (k ? ", " : "[") << "{\"id\": " << k + 1 << ", \"image_id\": 1, \"category_id\": " << k + 1
         << ", \"bbox\": [" << rects[k][0] << ", " << rects[k][1] << ", " << rects[k][2] - rects[k][0] << ", "
         << rects[k][3] - rects[k][1] << "]}";
  anns << "]";
  test::write_text(dir / "annotations.json",
                   R"({"images": [{"id": 1, "file_name": "r.png", "width": 200, "height": 150}], "annotations": )" +
                       anns.str() +
                       R"(, "categories": [{"id": 1, "name": "r"}, {"id": 2, "name": "g"}, {"id": 3, "name": "b"}]})");
  const std::vector<std::vector<transform>> chains = {
      {hflip_op{1.0}},
      {vflip_op{1.0}, letterbox_op{{160, 160}, {0, 0, 0}}},
      {center_crop_op{{180, 240}}, hflip_op{1.0}},
      {random_crop_op{{120, 150}}, vflip_op{0.5}},
      {hflip_op{0.5}, random_resized_crop_op{{128, 128}, {0.3, 1.0}}},
      {letterbox_op{{100, 300}, {0, 0, 0}}, vflip_op{1.0}, hflip_op{1.0}},
      {resize_op{.shorter = {300}}, random_crop_op{{200, 200}}},
  };
  int centres = 0, outsides = 0;
  for (const auto& ops : chains) {
    pipeline_spec s = coco_spec(dir.path());
    s.batch.size = 1;
    s.transforms = ops;
    loader l(s);
    for (std::uint64_t epoch = 0; epoch < 6; ++epoch) {
      l.set_epoch(epoch);
      for (const batch& b : l) {
        const tensor& img = b["image"];
        const auto H = img.dim(1), W = img.dim(2);
        const std::uint8_t* px = img.data<std::uint8_t>();
        const auto at = [&](double x, double y) {
          return px + (static_cast<std::int64_t>(y) * W + static_cast<std::int64_t>(x)) * 3;
        };
        const ragged_boxes r = b.boxes();
        const auto& g = b.samples()[0].geometry;
        for (std::int64_t k = 0; k < r.offsets[1]; ++k) {
          const float* bx = &r.boxes[static_cast<std::size_t>(k) * 4];
          const auto& col = colours[static_cast<std::size_t>(r.labels[static_cast<std::size_t>(k)] - 1)];
          if (bx[2] - bx[0] < 6 || bx[3] - bx[1] < 6) continue;  // too thin for the blur of a resize
          const std::uint8_t* c = at((bx[0] + bx[2]) / 2, (bx[1] + bx[3]) / 2);
          for (int ch = 0; ch < 3; ++ch) CHECK(std::abs(c[ch] - col[static_cast<std::size_t>(ch)]) <= 2);
          ++centres;
          // 3 output pixels beyond a side that is not on the output's edge: not this rectangle's colour
          const double margin = 3 + std::max(std::fabs(g.scale_x), std::fabs(g.scale_y));
          const double my = (bx[1] + bx[3]) / 2, mx = (bx[0] + bx[2]) / 2;
          const std::array<std::array<double, 2>, 4> probes = {
              {{bx[0] - margin, my}, {bx[2] + margin, my}, {mx, bx[1] - margin}, {mx, bx[3] + margin}}};
          for (const auto& p : probes) {
            if (p[0] < 0 || p[1] < 0 || p[0] >= static_cast<double>(W) || p[1] >= static_cast<double>(H)) continue;
            const std::uint8_t* o = at(p[0], p[1]);
            CHECK_FALSE((std::abs(o[0] - col[0]) <= 2 && std::abs(o[1] - col[1]) <= 2 && std::abs(o[2] - col[2]) <= 2));
            ++outsides;
          }
        }
      }
    }
  }
  CHECK(centres > 60);
  CHECK(outsides > 100);
}

TEST_CASE("detection: valid marks letterbox borders and batch padding, the pad value is in output units") {
  test::temp_dir dir;
  write_coco(dir.path(), {{"a.png", {100, 50}}},
             R"([{"id": 1, "image_id": 10, "category_id": 1, "bbox": [0, 0, 50, 25]}])");
  pipeline_spec s = coco_spec(dir.path());
  s.batch.size = 1;
  s.batch.image_layout = layout::nchw;
  s.batch.image_type = dtype::float32;
  // letterbox 50x100 into 64x64: image rows 16..47, borders above and below; then padded to 80x64.
  s.transforms = {letterbox_op{{64, 64}, {0, 0, 0}}, normalize_op{{0.5f, 0.5f, 0.5f}, {0.25f, 0.25f, 0.25f}}};
  s.batch.pad = pad_spec{.to = size2{80, 64}, .value = {-7.5f, 0.25f, 3.0f}};
  s.targets.boxes = boxes_target{.normalized = true};
  loader l(s);
  auto b = all_batches(l).at(0);
  const tensor& valid = b["valid"];
  const std::uint8_t* v = valid.data<std::uint8_t>();
  for (int y = 0; y < 80; ++y)
    for (int x = 0; x < 64; ++x) CHECK(v[y * 64 + x] == (y >= 16 && y < 48));
  const float* img = b["image"].data<float>();
  const std::size_t plane = 80 * 64;
  // batch padding (rows 64..79) holds the pad value exactly; the letterbox border is the fill, normalized
  CHECK(img[70 * 64 + 5] == -7.5f);
  CHECK(img[plane + 70 * 64 + 5] == 0.25f);
  CHECK(img[2 * plane + 79 * 64 + 63] == 3.0f);
  CHECK(img[3 * 64 + 5] == (0.0f / 255.0f - 0.5f) / 0.25f);
  // normalised by the sample's output size (64x64), not the padded 80x64: box 0..50 x 0..25 * 0.64, top 16
  const float* bx = b["boxes"].data<float>();
  CHECK(bx[0] == 0.0f);
  CHECK(bx[1] == doctest::Approx(16.0 / 64));
  CHECK(bx[2] == doctest::Approx(32.0 / 64));
  CHECK(bx[3] == doctest::Approx((16.0 + 16.0) / 64));
  // Fractional edges: 10x10 in a 20x20 centre crop (x 5..15), then resized to 33: the image covers
  // 8.25..24.75, and valid holds the pixels whose centres are inside: 8..24.
  {
    test::temp_dir small;
    write_coco(small.path(), {{"s.png", {10, 10}}}, "[]");
    pipeline_spec f = coco_spec(small.path());
    f.batch.size = 1;
    f.batch.pad = pad_spec{};
    f.transforms = {center_crop_op{{20, 20}}, resize_op{.size = size2{33, 33}}};
    loader fl(f);
    auto fb = all_batches(fl).at(0);
    const std::uint8_t* fv = fb["valid"].data<std::uint8_t>();
    for (int y = 0; y < 33; ++y)
      for (int x = 0; x < 33; ++x) CHECK(fv[y * 33 + x] == (x >= 8 && x <= 24 && y >= 8 && y <= 24));
  }
  // uint8 batches round the pad value
  s.batch.image_type = dtype::uint8;
  s.transforms = {letterbox_op{{64, 64}, {0, 0, 0}}};
  s.batch.pad->value = {9.6f, 300.0f, -4.0f};
  loader u(s);
  auto ub = all_batches(u).at(0);
  const std::uint8_t* p = ub["image"].data<std::uint8_t>();
  CHECK(p[70 * 64] == 10);
  CHECK(p[plane + 70 * 64] == 255);
  CHECK(p[2 * plane + 70 * 64] == 0);
}

TEST_CASE("detection: VOC difficult is flag bit 1, min_size and min_visibility drop boxes end to end") {
  test::temp_dir dir;
  fs::create_directories(dir / "images");
  fs::create_directories(dir / "xml");
  detail::write_png((dir / "images" / "a.png").string(), test::make_image(40, 20, 3, [](int, int, int) { return 50; }));
  test::write_text(dir / "xml" / "a.xml", R"(<annotation><size><width>40</width><height>20</height></size>
    <object><name>b</name><difficult>1</difficult><bndbox><xmin>2</xmin><ymin>2</ymin><xmax>12</xmax><ymax>12</ymax></bndbox></object>
    <object><name>a</name><bndbox><xmin>20</xmin><ymin>5</ymin><xmax>22</xmax><ymax>15</ymax></bndbox></object>
    <object><name>a</name><difficult>0</difficult><bndbox><xmin>30</xmin><ymin>0</ymin><xmax>40</xmax><ymax>20</ymax></bndbox></object>
  </annotation>)");
  pipeline_spec s;
  s.dataset.format = dataset_format::voc;
  s.dataset.root = dir.path();
  s.dataset.annotations = "xml";
  s.dataset.classes = {"a", "b"};
  s.targets.boxes = boxes_target{};
  s.batch.size = 1;
  auto load = [&]() {
    loader l(s);
    auto b = all_batches(l).at(0);
    const ragged_boxes r = b.boxes();
    return std::pair{std::vector<std::int32_t>(r.labels.begin(), r.labels.end()),
                     std::vector<std::uint8_t>(r.flags.begin(), r.flags.end())};
  };
  auto all = load();
  CHECK(all.first == std::vector<std::int32_t>{1, 0, 0});
  CHECK(all.second == std::vector<std::uint8_t>{2, 0, 0});  // box_flags: bit 1 = difficult
  s.targets.boxes->min_size = 3;                            // the second box is 2 wide
  CHECK(load().first == std::vector<std::int32_t>{1, 0});
  s.transforms = {center_crop_op{{20, 36}}};  // x0 = round(4 / 2) = 2: x 2..38, the third keeps 8 of 10
  s.targets.boxes->min_size = 0;
  s.targets.boxes->min_visibility = 0.8;
  CHECK(load().first.size() == 3);
  s.targets.boxes->min_visibility = 0.81;
  CHECK(load().first == std::vector<std::int32_t>{1, 0});
}

TEST_CASE("detection: a compressed RLE string in the JSON becomes its instance mask") {
  test::temp_dir dir;
  // "6230009" decodes to [6,2,3,2,3,2,12] over 5 rows x 6 columns (test_rle.cpp): x 1..3, y 1..2.
  write_coco(dir.path(), {{"a.png", {6, 5}}},
             R"([{"id": 1, "image_id": 10, "category_id": 1, "bbox": [1, 1, 3, 2], "iscrowd": 1,
                  "segmentation": {"size": [5, 6], "counts": "6230009"}}])");
  pipeline_spec s = coco_spec(dir.path());
  s.batch.size = 1;
  s.targets.instance_masks = instance_masks_target{};
  loader l(s);
  auto b = all_batches(l).at(0);
  const tensor& inst = b["instance_masks"];
  REQUIRE(inst.numel() == 30);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 6; ++x) CHECK(inst.data<std::uint8_t>()[y * 6 + x] == (x >= 1 && x <= 3 && y >= 1 && y <= 2));
  // an RLE whose counts do not cover its size is named
  write_coco(
      dir.path(), {{"a.png", {6, 5}}},
      R"([{"id": 4, "image_id": 10, "category_id": 1, "bbox": [1, 1, 3, 2], "segmentation": {"size": [5, 6], "counts": "623"}}])");
  CHECK_THROWS_WITH_AS(loader{s}, doctest::Contains("annotations[0]: RLE 'counts' cover 11 pixels, not 5x6"),
                       dataset_error);
}
