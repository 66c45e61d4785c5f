// Detection end to end: COCO, VOC and YOLO readers, boxes in batches, crowd and label policies, COCO
// masks, padding of mixed sizes, EXIF and declared sizes, mapping back to the source.
#include <imgbatch/imgbatch.hpp>

#include "cli/check.hpp"
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

std::vector<float> row(const tensor& t, std::size_t n, std::size_t m) {
  const float* p = t.data<float>() + (n * static_cast<std::size_t>(t.dim(1)) + m) * 4;
  return {p[0], p[1], p[2], p[3]};
}

}  // namespace

TEST_CASE("detection: the real COCO sample loads its 10 present images with their boxes, ragged and padded") {
  const fs::path root = testdata / "detection_voc_coco_yolo";
  if (!have(root)) return;
  pipeline_spec s;
  s.dataset.format = dataset_format::coco;
  s.dataset.root = root;
  s.dataset.annotations = "gts/coco_format_v2/instances_v2.json";
  s.dataset.images = "images";
  s.dataset.skip_missing = true;
  s.targets.boxes = boxes_target{};
  s.transforms = {letterbox_op{{256, 256}, {114, 114, 114}}};
  s.batch.size = 4;
  s.loader.threads = 2;
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
  pipeline_spec s;
  s.dataset.format = dataset_format::voc;
  s.dataset.root = root;
  s.dataset.annotations = "gts/pascalvoc_format";
  s.dataset.images = "images";
  s.dataset.classes_file = "voc.names";
  s.targets.boxes = boxes_target{};
  s.transforms = {hflip_op{}, random_resized_crop_op{{200, 300}, {0.3, 1.0}}, vflip_op{}};
  s.batch.size = 5;
  s.loader.threads = 2;
  loader l(s);
  // The VOC files of SOURCES.md section 8, read here independently: image -> boxes.
  const std::map<std::string, std::vector<std::array<double, 4>>> want = {
      {"2007_000032.jpg", {{104, 78, 375, 183}, {133, 88, 197, 123}, {195, 180, 213, 229}, {26, 189, 44, 238}}}};
  int unclipped = 0, checked = 0;
  for (std::uint64_t epoch = 0; epoch < 6; ++epoch) {
    l.set_epoch(epoch);
    for (const batch& b : l) {
      const ragged_boxes r = b.boxes();
      for (std::size_t i = 0; i < b.size(); ++i) {
        const auto& info = b.samples()[i];
        auto it = want.find(fs::path(info.image_path).filename().string());
        if (it == want.end()) continue;
        for (auto k = r.offsets[i]; k < r.offsets[i + 1]; ++k) {
          const std::array<double, 4> out{r.boxes[k * 4], r.boxes[k * 4 + 1], r.boxes[k * 4 + 2], r.boxes[k * 4 + 3]};
          const auto back = info.geometry.box_to_source(out);
          // clipped boxes lie on the visible crop's edge; the others must be an annotation exactly
          const auto& g = info.geometry;
          const bool on_edge = std::fabs(back[0] - g.crop_x) < 1e-6 || std::fabs(back[1] - g.crop_y) < 1e-6 ||
                               std::fabs(back[2] - (g.crop_x + g.crop_width)) < 1e-6 ||
                               std::fabs(back[3] - (g.crop_y + g.crop_height)) < 1e-6;
          ++checked;
          if (on_edge) continue;
          double best = 1e9;
          for (const auto& a : it->second) {
            double d = 0;
            for (int c = 0; c < 4; ++c) d = std::max(d, std::fabs(back[c] - a[c]));
            best = std::min(best, d);
          }
          CHECK(best < 1e-3);
          ++unclipped;
        }
      }
    }
  }
  CHECK(unclipped > 5);
  CHECK(checked >= unclipped);
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
  CHECK(flag[0].second == flags{0, box_flag_crowd});
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

TEST_CASE("detection: boxes in xywh, cxcywh and normalised form; max_boxes truncates and counts") {
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
  g.scale_x = -2;
  g.offset_x = 9;
  g.scale_y = 2;
  g.offset_y = 0;
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
    pipeline_spec s;
    s.dataset.format = dataset_format::coco;
    s.dataset.root = root;
    s.dataset.annotations = "gts/coco_format_v2/instances_v2.json";
    s.dataset.images = "images";
    s.dataset.skip_missing = true;
    s.targets.boxes = boxes_target{};
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
  const auto one = run(1), two = run(2);
  REQUIRE(one.size() == two.size());
  for (std::size_t i = 0; i < one.size(); ++i) CHECK(one[i] == two[i]);
  CHECK(one.size() > 20);
}
