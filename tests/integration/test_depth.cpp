// Depth end to end: folder and list datasets of 16-bit PNG depth maps, metres = stored / scale, holes
// never mixed into measurements by any op, padding 0 and reflected in `valid`, errors naming the file.
#include <imgbatch/imgbatch.hpp>

#include "encode/png_writer.hpp"
#include "support/fixtures.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>

using namespace imgbatch;
namespace fs = std::filesystem;

namespace {

const fs::path testdata = IMGBATCH_TESTDATA_DIR;

// A stored depth value of sample i at (x, y): holes (0) on a pattern, else 1000..2999 (millimetres).
std::uint16_t stored_depth(int i, int x, int y) {
  if ((x * 7 + y * 3 + i) % 5 == 0) return 0;
  return static_cast<std::uint16_t>(1000 + (test::texture(i, x, y, 0) * 8 + x + y) % 2000);
}

void write_depth_png(const fs::path& p, int w, int h, const std::function<std::uint16_t(int, int)>& f) {
  detail::image d;
  d.reset(w, h, 1, 2);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const std::uint16_t v = f(x, y);
      std::memcpy(d.row(y) + 2 * x, &v, 2);
    }
  detail::write_png(p.string(), d);
}

// root/images/NNNN.png (textured) and root/depth/NNNN.png (stored_depth), sizes from size_of as {h, w}.
void write_depth_dataset(const fs::path& root, int n, const std::function<std::array<int, 2>(int)>& size_of) {
  test::write_textured_dataset(root, n, false, 1, size_of);
  fs::create_directories(root / "depth");
  for (int i = 0; i < n; ++i) {
    char stem[16];
    std::snprintf(stem, sizeof stem, "%04d", i);
    const auto [h, w] = size_of(i);
    write_depth_png(root / "depth" / (std::string(stem) + ".png"), w, h,
                    [i](int x, int y) { return stored_depth(i, x, y); });
  }
}

std::vector<std::int64_t> dims(const tensor& t) { return {t.shape().begin(), t.shape().end()}; }

pipeline_spec depth_spec(const fs::path& dir, double scale) {
  pipeline_spec s;
  s.base_dir = dir;
  s.dataset.root = "d";
  s.dataset.depth = "depth";
  s.targets.depth = depth_target{.scale = scale};
  s.batch.size = 3;
  s.loader.threads = 2;
  return s;
}

}  // namespace

TEST_CASE("depth: centre crop and flip give stored / scale at the moved position, holes 0") {
  test::temp_dir dir;
  write_depth_dataset(dir / "d", 5, [](int i) { return std::array<int, 2>{30 + i, 40 + 2 * i}; });
  auto spec = depth_spec(dir.path(), 256.0);
  spec.transforms = {center_crop_op{{20, 24}}, hflip_op{1.0}, to_float_op{}};
  loader l(spec);
  std::size_t seen = 0, holes = 0;
  for (const batch& b : l) {
    const tensor& d = b["depth"];
    REQUIRE(d.type() == dtype::float32);
    REQUIRE(dims(d) == std::vector<std::int64_t>{static_cast<std::int64_t>(b.size()), 1, 20, 24});
    for (std::size_t k = 0; k < b.size(); ++k) {
      const int i = static_cast<int>(b.samples()[k].id);
      const int h = 30 + i, w = 40 + 2 * i;
      // torchvision center_crop: top = round((h - 20) / 2), left = round((w - 24) / 2) (halves to even).
      const int top = static_cast<int>(std::nearbyint((h - 20) / 2.0)),
                left = static_cast<int>(std::nearbyint((w - 24) / 2.0));
      CHECK(b.samples()[k].file("depth") ==
            (dir / "d/depth" / fs::path(b.samples()[k].image_path).filename()).string());
      const float* p = d.data<float>() + k * 20 * 24;
      for (int y = 0; y < 20; ++y)
        for (int x = 0; x < 24; ++x) {
          const std::uint16_t v = stored_depth(i, left + 23 - x, top + y);  // flipped
          const float want = v == 0 ? 0.0f : static_cast<float>(v / 256.0);
          REQUIRE(p[y * 24 + x] == want);
          holes += v == 0;
          ++seen;
        }
    }
  }
  CHECK(seen == 5 * 20 * 24);
  CHECK(holes > seen / 10);  // the pattern has holes: they were checked too
}

TEST_CASE("depth: no op ever mixes a hole into a measurement (random maps with holes, both resamplings)") {
  test::temp_dir dir;
  // Random maps: holes in random blobs, measurements 1000..1999 mm; several sizes.
  const int n = 12;
  std::mt19937 rng(7);
  std::vector<std::set<std::uint16_t>> values(n);
  test::write_textured_dataset(dir / "d", n, false, 1, [](int i) {
    return std::array<int, 2>{37 + 5 * i, 53 + 3 * i};
  });
  fs::create_directories(dir / "d/depth");
  for (int i = 0; i < n; ++i) {
    const int h = 37 + 5 * i, w = 53 + 3 * i;
    std::vector<std::uint16_t> m(static_cast<std::size_t>(h) * w);
    for (auto& v : m) v = static_cast<std::uint16_t>(1000 + rng() % 1000);
    for (int blob = 0; blob < 6; ++blob) {  // rectangular holes
      const int x0 = static_cast<int>(rng() % w), y0 = static_cast<int>(rng() % h);
      for (int y = y0; y < std::min(h, y0 + 9); ++y)
        for (int x = x0; x < std::min(w, x0 + 13); ++x) m[static_cast<std::size_t>(y) * w + x] = 0;
    }
    for (int k = 0; k < 200; ++k) m[rng() % m.size()] = 0;  // and scattered ones
    for (auto v : m) values[static_cast<std::size_t>(i)].insert(v);
    char stem[16];
    std::snprintf(stem, sizeof stem, "%04d", i);
    write_depth_png(dir / "d/depth" / (std::string(stem) + ".png"), w, h,
                    [&](int x, int y) { return m[static_cast<std::size_t>(y) * w + x]; });
  }
  for (auto mode : {depth_resample::nearest, depth_resample::valid_average}) {
    CAPTURE(static_cast<int>(mode));
    auto spec = depth_spec(dir.path(), 1000.0);
    spec.targets.depth->resample = mode;
    spec.sampler.shuffle = true;
    spec.transforms = {random_resized_crop_op{.size = {24, 31}, .scale = {0.2, 1.0}},
                       hflip_op{0.5},
                       vflip_op{0.5},
                       random_affine_op{.degrees = {-30, 30}, .scale = std::array<double, 2>{0.8, 1.2}},
                       resize_op{.size = size2{17, 45}},
                       letterbox_op{.size = {40, 40}},
                       to_float_op{}};
    loader l(spec);
    std::size_t measured = 0, zero = 0, averaged = 0;
    for (std::uint64_t epoch = 0; epoch < 3; ++epoch) {
      l.set_epoch(epoch);
      for (const batch& b : l) {
        const float* p = b["depth"].data<float>();
        for (std::size_t k = 0; k < b.size(); ++k) {
          const auto& have = values[b.samples()[k].id];
          for (int j = 0; j < 40 * 40; ++j) {
            const float v = p[k * 1600 + static_cast<std::size_t>(j)];
            if (v == 0.0f) {
              ++zero;
              continue;
            }
            ++measured;
            // A hole mixed in would pull a value below 1 m (or, with nearest, off the stored values).
            REQUIRE(v >= 1.0f);
            REQUIRE(v <= 1.999f + 1e-6f);
            if (mode == depth_resample::nearest) {
              const auto stored = static_cast<std::uint16_t>(std::lround(v * 1000.0));
              REQUIRE(have.count(stored) == 1);
              REQUIRE(v == static_cast<float>(stored / 1000.0));
            } else {
              averaged += std::fabs(v * 1000.0f - std::round(v * 1000.0f)) > 1e-3f;
            }
          }
        }
      }
    }
    CHECK(measured > 0);
    CHECK(zero > 0);
    if (mode == depth_resample::valid_average) CHECK(averaged > measured / 4);  // real averages, not copies
  }
}

TEST_CASE("depth: padding is 0 and outside `valid`, the list format reads a depth column") {
  test::temp_dir dir;
  write_depth_dataset(dir / "d", 4, [](int i) { return std::array<int, 2>{10 + 3 * i, 16 - i}; });
  std::string manifest;
  for (int i = 0; i < 4; ++i) {
    char stem[16];
    std::snprintf(stem, sizeof stem, "%04d", i);
    manifest += std::string("images/") + stem + ".png\tdepth/" + stem + ".png\n";
  }
  test::write_text(dir / "d/train.tsv", manifest);
  auto spec = depth_spec(dir.path(), 1000.0);
  spec.dataset.format = dataset_format::list;
  spec.dataset.depth.clear();
  spec.dataset.manifest = "train.tsv";
  spec.batch.size = 4;
  spec.batch.pad = pad_spec{};
  spec.transforms = {to_float_op{}};
  loader l(spec);
  const batch b = *l.next();
  const tensor& d = b["depth"];
  const tensor& valid = b["valid"];
  REQUIRE(dims(d) == std::vector<std::int64_t>{4, 1, 19, 16});
  for (std::size_t k = 0; k < 4; ++k) {
    const int i = static_cast<int>(b.samples()[k].id), h = 10 + 3 * i, w = 16 - i;
    for (int y = 0; y < 19; ++y)
      for (int x = 0; x < 16; ++x) {
        const float v = d.data<float>()[k * 19 * 16 + static_cast<std::size_t>(y) * 16 + x];
        const bool inside = y < h && x < w;
        REQUIRE(valid.data<std::uint8_t>()[k * 19 * 16 + static_cast<std::size_t>(y) * 16 + x] == (inside ? 1 : 0));
        const std::uint16_t s = inside ? stored_depth(i, x, y) : 0;
        REQUIRE(v == (s == 0 ? 0.0f : static_cast<float>(s / 1000.0)));
      }
  }
  // Wrong column count names the line and the columns.
  test::write_text(dir / "d/train.tsv", "images/0000.png\n");
  CHECK_THROWS_WITH_AS(
      loader{spec},
      ((dir / "d/train.tsv").string() + ":1: expected 2 tab-separated columns (image path, depth path), found 1")
          .c_str(),
      dataset_error);
}

TEST_CASE("depth: the invalid value is configurable, and a depth map of the wrong size or missing is named") {
  test::temp_dir dir;
  write_depth_dataset(dir / "d", 2, [](int) { return std::array<int, 2>{8, 8}; });
  // Sample 1's depth map: every value 65535 (the sensor's "no return"), one pixel 500.
  write_depth_png(dir / "d/depth/0001.png", 8, 8,
                  [](int x, int y) -> std::uint16_t { return x == 2 && y == 5 ? 500 : 65535; });
  auto spec = depth_spec(dir.path(), 5000.0);
  spec.targets.depth->invalid = 65535;
  spec.batch.size = 2;
  spec.transforms = {to_float_op{}};
  {
    loader l(spec);
    const batch b = *l.next();
    const float* p = b["depth"].data<float>() + 64;
    for (int j = 0; j < 64; ++j) CHECK(p[j] == (j == 5 * 8 + 2 ? static_cast<float>(500 / 5000.0) : 0.0f));
    // Sample 0 keeps its 0 values as measurements of 0 m now that 0 is not the invalid value.
    CHECK(b["depth"].data<float>()[0] == 0.0f);  // stored_depth(0, 0, 0) is 0
    CHECK(b["depth"].data<float>()[1] == static_cast<float>(stored_depth(0, 1, 0) / 5000.0));
  }
  write_depth_png(dir / "d/depth/0001.png", 8, 7, [](int, int) -> std::uint16_t { return 1; });
  {
    loader l(spec);
    CHECK_THROWS_WITH_AS(l.next(),
                         ((dir / "d/depth/0001.png").string() + ": depth map is 8x7 but its image " +
                          (dir / "d/images/0001.png").string() + " is 8x8 (decode)")
                             .c_str(),
                         sample_error);
  }
  fs::remove(dir / "d/depth/0001.png");
  CHECK_THROWS_WITH_AS(
      loader{spec},
      ((dir / "d/depth").string() + ": no depth map for 1 image(s): " + (dir / "d/images/0001.png").string()).c_str(),
      dataset_error);
}

TEST_CASE("depth: real 16-bit Redwood depth (millimetres) through a crop and a flip") {
  const fs::path root = testdata / "open3d_rgbd_depth/RGBD";
  if (!fs::exists(root / "depth/00000.png")) {
    MESSAGE("skipped: " << root.string() << " is absent (../shared/testdata)");
    return;
  }
  pipeline_spec s;
  s.dataset.root = root;
  s.dataset.images = "color";
  s.dataset.depth = "depth";
  s.targets.depth = depth_target{.scale = 1000.0};
  s.transforms = {center_crop_op{{400, 560}}, hflip_op{1.0}, to_float_op{}};
  s.batch.size = 2;
  loader l(s);
  const batch b = *l.next();
  const tensor& d = b["depth"];
  REQUIRE(dims(d) == std::vector<std::int64_t>{2, 1, 400, 560});
  // SOURCES.md: measurements 955..2702 mm, about 13% holes.
  std::size_t holes = 0;
  float lo = 1e9f, hi = 0;
  for (std::size_t j = 0; j < d.numel(); ++j) {
    const float v = d.data<float>()[j];
    if (v == 0) {
      ++holes;
      continue;
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    REQUIRE(std::fabs(v * 1000.0f - std::round(v * 1000.0f)) < 1e-3f);  // whole millimetres: 16 bits kept
  }
  CHECK(lo >= 0.955f);
  CHECK(hi <= 2.702f);
  CHECK(hi > 2.0f);  // not scaled down to 8 bits
  CHECK(holes > 0);
}

TEST_CASE("depth: every depth pixel comes from the image pixel's own source position (crops, flips, affine)") {
  // Image pixel (x, y) = (x, y, 0); its depth = 1 + x + 256 y (scale 1: metres = stored). After any
  // geometric pipeline with nearest sampling, a measured depth names the source pixel the image took.
  test::temp_dir dir;
  fs::create_directories(dir / "d/images");
  fs::create_directories(dir / "d/depth");
  const int n = 6;
  for (int i = 0; i < n; ++i) {
    const int w = 40 + 7 * i, h = 30 + 5 * i;
    char stem[16];
    std::snprintf(stem, sizeof stem, "%04d", i);
    detail::write_png((dir / "d/images" / (std::string(stem) + ".png")).string(),
                      test::make_image(w, h, 3, [](int x, int y, int c) { return c == 0   ? x
                                                                                 : c == 1 ? y
                                                                                          : 0; }));
    write_depth_png(dir / "d/depth" / (std::string(stem) + ".png"), w, h,
                    [](int x, int y) { return static_cast<std::uint16_t>(1 + x + 256 * y); });
  }
  auto spec = depth_spec(dir.path(), 1.0);
  spec.sampler.shuffle = true;
  spec.batch.size = n;
  spec.batch.image_type = dtype::uint8;
  spec.batch.image_layout = layout::nhwc;
  spec.transforms = {random_crop_op{{36, 50}, true}, hflip_op{0.5}, vflip_op{0.5},
                     random_affine_op{.degrees = {-40, 40},
                                      .translate = std::array<double, 2>{0.1, 0.1},
                                      .scale = std::array<double, 2>{0.7, 1.3},
                                      .shear = {-10, 10, -5, 5},
                                      .nearest = true},
                     center_crop_op{{40, 40}}};
  std::size_t measured = 0, holes = 0;
  loader l(spec);
  for (std::uint64_t epoch = 0; epoch < 4; ++epoch) {
    l.set_epoch(epoch);
    for (const batch& b : l)
      for (std::size_t k = 0; k < b.size(); ++k)
        for (std::size_t j = 0; j < 40 * 40; ++j) {
          const float v = b["depth"].data<float>()[k * 1600 + j];
          const std::uint8_t* p = b["image"].data<std::uint8_t>() + (k * 1600 + j) * 3;
          if (v == 0) {
            ++holes;
            continue;
          }
          const int s = static_cast<int>(v) - 1;
          REQUIRE(static_cast<float>(s + 1) == v);
          REQUIRE(int(p[0]) == s % 256);
          REQUIRE(int(p[1]) == s / 256);
          ++measured;
        }
  }
  CHECK(measured > 4 * n * 1000);
  CHECK(holes > 0);  // rotations and padding leave unmeasured corners, 0 in depth
}

TEST_CASE("depth: a resize takes each output pixel's value as the spec says, holes only where all are holes") {
  // One 23 x 17 map with holes, resized to 9 x 7 (shrink) and 41 x 30 (enlarge); the reference is
  // computed here from the definitions in spec.hpp.
  test::temp_dir dir;
  const int w = 23, h = 17;
  auto stored = [](int x, int y) -> std::uint16_t {
    return ((x * 5 + y * 3) % 7 == 0 || (x > 15 && y < 6)) ? 0 : static_cast<std::uint16_t>(1000 + x * 37 + y * 101);
  };
  fs::create_directories(dir / "d/depth");
  fs::create_directories(dir / "d/images");
  detail::write_png((dir / "d/images/0000.png").string(),
                    test::make_image(w, h, 3, [](int x, int y, int c) { return test::texture(0, x, y, c); }));
  write_depth_png(dir / "d/depth/0000.png", w, h, stored);
  auto metres = [&](int x, int y) { return static_cast<float>(stored(x, y) / 1000.0); };
  for (auto mode : {depth_resample::nearest, depth_resample::valid_average})
    for (auto [oh, ow] : {std::pair{7, 9}, std::pair{30, 41}}) {
      CAPTURE(static_cast<int>(mode));
      CAPTURE(ow);
      auto spec = depth_spec(dir.path(), 1000.0);
      spec.targets.depth->resample = mode;
      spec.batch.size = 1;
      spec.transforms = {resize_op{.size = size2{oh, ow}}, to_float_op{}};
      loader l(spec);
      const batch b = *l.next();
      const float* got = b["depth"].data<float>();
      auto nearest_index = [](int d, int in, int out) { return static_cast<int>(std::floor((d + 0.5) * in / out)); };
      std::size_t averaged_next_to_hole = 0;
      for (int y = 0; y < oh; ++y)
        for (int x = 0; x < ow; ++x) {
          float want;
          if (mode == depth_resample::nearest) {
            const int sx = nearest_index(x, w, ow), sy = nearest_index(y, h, oh);
            want = stored(sx, sy) ? metres(sx, sy) : 0.0f;
          } else {
            // Source pixels whose centres lie in the footprint; none (enlarging): the nearest one.
            std::vector<int> xs, ys;
            for (int s = 0; s < w; ++s)
              if (s + 0.5 >= double(x) * w / ow && s + 0.5 < double(x + 1) * w / ow) xs.push_back(s);
            for (int s = 0; s < h; ++s)
              if (s + 0.5 >= double(y) * h / oh && s + 0.5 < double(y + 1) * h / oh) ys.push_back(s);
            if (xs.empty()) xs.push_back(nearest_index(x, w, ow));
            if (ys.empty()) ys.push_back(nearest_index(y, h, oh));
            double sum = 0;
            int count = 0, hole_count = 0;
            for (int sy : ys)
              for (int sx : xs) {
                if (stored(sx, sy) == 0) {
                  ++hole_count;
                  continue;
                }
                sum += metres(sx, sy);
                ++count;
              }
            want = count ? static_cast<float>(sum / count) : 0.0f;
            averaged_next_to_hole += count > 0 && hole_count > 0;
          }
          REQUIRE(got[y * ow + x] == want);
        }
      if (mode == depth_resample::valid_average && ow < w) CHECK(averaged_next_to_hole > 5);
    }
}
