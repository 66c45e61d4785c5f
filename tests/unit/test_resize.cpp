#include "support/fixtures.hpp"
#include "transform/resize.hpp"

#include <doctest/doctest.h>

#include <cstring>

using namespace imgbatch::detail;
using imgbatch::test::make_image;

namespace {
std::vector<std::uint8_t> bilinear(const image& src, int h, int w) {
  image out;
  resize_scratch s;
  resize_bilinear(image_view::of(src), h, w, out, s);
  return out.pixels;
}
std::vector<std::uint8_t> nearest(const image& src, int h, int w) {
  image out;
  std::vector<int> map;
  resize_nearest(image_view::of(src), h, w, out, map);
  return out.pixels;
}
}  // namespace

TEST_CASE("resize: bilinear shrink widens the filter (antialias), values worked out by hand") {
  // 4 -> 2: weights 3/7, 3/7, 1/7 and 1/7, 3/7, 3/7 (support 2 at scale 2).
  image row = make_image(4, 1, 1, [](int x, int, int) { return 70 * x; });
  CHECK(bilinear(row, 1, 2) == std::vector<std::uint8_t>{50, 160});
  image col = make_image(1, 4, 1, [](int, int y, int) { return 70 * y; });
  CHECK(bilinear(col, 2, 1) == std::vector<std::uint8_t>{50, 160});
}

TEST_CASE("resize: bilinear enlarge interpolates between half-pixel centres, edges clamp") {
  image row = make_image(2, 1, 1, [](int x, int, int) { return 100 * x; });
  CHECK(bilinear(row, 1, 4) == std::vector<std::uint8_t>{0, 25, 75, 100});
}

TEST_CASE("resize: a constant image stays constant at any scale, per channel") {
  image flat = make_image(37, 23, 3, [](int, int, int c) { return c == 0 ? 255 : c == 1 ? 0 : 131; });
  for (auto [h, w] : {std::pair{5, 9}, std::pair{64, 80}, std::pair{23, 10}, std::pair{1, 1}}) {
    auto out = bilinear(flat, h, w);
    REQUIRE(out.size() == static_cast<std::size_t>(h * w * 3));
    for (std::size_t i = 0; i < out.size(); i += 3) {
      CHECK(out[i] == 255);
      CHECK(out[i + 1] == 0);
      CHECK(out[i + 2] == 131);
    }
  }
}

TEST_CASE("resize: nearest takes source index floor((dst + 0.5) * in / out)") {
  image row = make_image(4, 1, 1, [](int x, int, int) { return 10 + x; });
  CHECK(nearest(row, 1, 2) == std::vector<std::uint8_t>{11, 13});
  image three = make_image(3, 1, 1, [](int x, int, int) { return 10 + x; });
  CHECK(nearest(three, 1, 2) == std::vector<std::uint8_t>{10, 12});
  image two = make_image(2, 1, 1, [](int x, int, int) { return 10 + x; });
  CHECK(nearest(two, 1, 5) == std::vector<std::uint8_t>{10, 10, 11, 11, 11});
  image tall = make_image(1, 3, 1, [](int, int y, int) { return 10 + y; });
  CHECK(nearest(tall, 2, 1) == std::vector<std::uint8_t>{10, 12});
}

TEST_CASE("resize: nearest never blends and keeps 16-bit values") {
  image depth;
  depth.reset(3, 2, 1, 2);
  const std::uint16_t v[6] = {0, 1000, 65535, 7, 0, 300};
  std::memcpy(depth.pixels.data(), v, sizeof v);
  image out;
  std::vector<int> map;
  resize_nearest(image_view::of(depth), 4, 6, out, map);
  REQUIRE(out.sample_bytes == 2);
  std::vector<std::uint16_t> got(24);
  std::memcpy(got.data(), out.pixels.data(), 48);
  for (auto g : got) CHECK((g == 0 || g == 1000 || g == 65535 || g == 7 || g == 300));
  CHECK(got[0] == 0);
  CHECK(got[5] == 65535);
  CHECK(got[23] == 300);
}
