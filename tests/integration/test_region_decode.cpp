// Region decode end to end: with a crop first, the loader decodes only the crop's window of each JPEG
// (and the rows of its mask above the window's bottom). The batch must hold exactly what a full decode,
// cropped and flipped where the sample's geometry says, holds.
#include <imgbatch/imgbatch.hpp>

#include "decode/decoder.hpp"
#include "encode/jpeg_writer.hpp"
#include "encode/png_writer.hpp"
#include "support/fixtures.hpp"
#include "util/file.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

using namespace imgbatch;
namespace fs = std::filesystem;

namespace {

struct source {
  detail::image pixels, mask;
};

// Class ids without a period (a misplaced window shows): texture() of the pixel, folded to 5 classes.
int mask_value(int i, int x, int y) { return test::texture(i + 100, x, y, 0) % 5; }

}  // namespace

TEST_CASE("region decode: random crops of JPEGs equal the full decode at the source pixel of every output pixel") {
  test::temp_dir dir;
  fs::create_directories(dir / "d/images");
  fs::create_directories(dir / "d/masks");
  std::vector<std::array<std::uint8_t, 3>> palette(256);
  for (int i = 0; i < 256; ++i) palette[static_cast<std::size_t>(i)] = {static_cast<std::uint8_t>(i), 0, 0};
  const int n = 8;
  std::map<std::string, source> full;
  for (int i = 0; i < n; ++i) {
    const int w = 150 + 37 * i, h = 120 + 23 * i;  // odd sizes: partial iMCUs at the right and bottom
    char stem[16];
    std::snprintf(stem, sizeof stem, "%04d", i);
    const std::string img = (dir / "d/images" / (std::string(stem) + ".jpg")).string();
    detail::write_jpeg(img, test::make_image(w, h, 3, [&](int x, int y, int c) { return test::texture(i, x, y, c); }),
                       85);
    detail::write_png((dir / "d/masks" / (std::string(stem) + ".png")).string(),
                      test::make_image(w, h, 1, [&](int x, int y, int) { return mask_value(i, x, y); }), palette);
    std::vector<std::uint8_t> bytes;
    REQUIRE(detail::read_file(img, bytes).empty());
    detail::decoder dec;
    dec.decode(bytes.data(), bytes.size(), detail::pixel_kind::rgb8, {}, full[img].pixels);
    full[img].mask = test::make_image(w, h, 1, [&](int x, int y, int) { return mask_value(i, x, y); });
  }
  pipeline_spec spec;
  spec.base_dir = dir.path();
  spec.dataset.root = "d";
  spec.dataset.masks = "masks";
  spec.targets.mask = mask_target{.num_classes = 5, .ignore_index = 255};
  spec.batch.size = 4;
  spec.batch.image_type = dtype::uint8;
  spec.batch.image_layout = layout::nhwc;
  spec.sampler.shuffle = true;
  color_jitter_op bright;  // per pixel: the crop's window is still all that is read
  bright.brightness = std::array<double, 2>{1.25, 1.25};
  std::size_t compared = 0, differ = 0, mask_differ = 0, inconsistent = 0;
  for (const bool with_brightness : {false, true}) {
    spec.transforms = {hflip_op{0.5}, random_crop_op{{61, 83}}, vflip_op{0.5}};
    if (with_brightness) spec.transforms.insert(spec.transforms.begin() + 1, bright);
    // One table from source value to output value: brightness maps every pixel the same way, so a
    // misplaced or stale pixel shows as a second output for one source value.
    std::array<int, 256> table;
    table.fill(-1);
    loader l(spec);
    std::uint64_t full_pixels = 0;
    for (std::uint64_t epoch = 0; epoch < 3; ++epoch) {
      l.set_epoch(epoch);
      for (const batch& b : l)
        for (std::size_t k = 0; k < b.size(); ++k) {
          const sample_info& info = b.samples()[k];
          const source& src = full.at(info.image_path);
          full_pixels += static_cast<std::uint64_t>(src.pixels.width) * static_cast<std::uint64_t>(src.pixels.height);
          const std::uint8_t* out = b["image"].data<std::uint8_t>() + k * 61 * 83 * 3;
          const std::int64_t* mask = b["mask"].data<std::int64_t>() + k * 61 * 83;
          for (int y = 0; y < 61; ++y)
            for (int x = 0; x < 83; ++x) {
              const auto p = info.geometry.point_to_source(x + 0.5, y + 0.5);
              const int sx = static_cast<int>(std::floor(p[0])), sy = static_cast<int>(std::floor(p[1]));
              REQUIRE(sx >= 0);
              REQUIRE(sy >= 0);
              REQUIRE(sx < src.pixels.width);
              REQUIRE(sy < src.pixels.height);
              const std::uint8_t* s = src.pixels.row(sy) + 3 * sx;
              for (int c = 0; c < 3; ++c) {
                const int o = out[(y * 83 + x) * 3 + c];
                if (!with_brightness) {
                  differ += o != s[c];
                } else {
                  int& t = table[s[c]];
                  if (t < 0) t = o;
                  else inconsistent += t != o;
                }
              }
              mask_differ += mask[y * 83 + x] != src.mask.row(sy)[sx];
              ++compared;
            }
        }
    }
    // Only the windows were decoded (61 rows of each, 83 columns widened by libjpeg's iMCU alignment and
    // two iMCUs of margin on each side): far fewer pixels than the full images.
    const std::uint64_t decoded = l.stats().decoded_pixels;
    CHECK(decoded >= 3u * n * 61 * 83);
    CHECK(decoded <= 3u * n * 61 * (83 + 2 * 32 + 16));
    CHECK(full_pixels > 3 * decoded);
    if (with_brightness) {  // and the table is Pillow's brightness 1.25: int(v * 1.25) in float, clipped
      int seen = 0;
      for (int v = 0; v < 256; ++v) {
        if (table[static_cast<std::size_t>(v)] < 0) continue;
        const float t = 1.25f * static_cast<float>(v);
        CHECK(table[static_cast<std::size_t>(v)] == (t >= 255.0f ? 255 : static_cast<int>(t)));
        ++seen;
      }
      CHECK(seen > 200);
    }
  }
  CHECK(compared == 2u * 3u * n * 61 * 83);
  CHECK(differ == 0);
  CHECK(inconsistent == 0);
  CHECK(mask_differ == 0);
}
