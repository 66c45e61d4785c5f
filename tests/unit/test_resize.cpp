#include "support/fixtures.hpp"
#include "transform/resize.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>

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

namespace {
image float_image(int w, int h, const std::vector<float>& v) {
  image im;
  im.reset(w, h, 1, 4);
  std::memcpy(im.pixels.data(), v.data(), v.size() * 4);
  return im;
}
std::vector<float> valid_average(const image& src, int h, int w) {
  image out;
  std::vector<int> spans;
  resize_valid_average(image_view::of(src), h, w, out, spans);
  std::vector<float> v(static_cast<std::size_t>(h) * w);
  std::memcpy(v.data(), out.pixels.data(), v.size() * 4);
  return v;
}
bool same(const std::vector<float>& a, const std::vector<float>& b) {  // NaN equals NaN
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}
constexpr float hole = std::numeric_limits<float>::quiet_NaN();
}  // namespace

TEST_CASE("resize: valid_average halves a depth map by averaging each 2x2 block's measured pixels") {
  // 4x4 → 2x2: block (0,0) = {1, 2, 3, hole} → 2; (0,1) = {hole x4} → hole; (1,0) = {5, 5, 5, 9} → 6;
  // (1,1) = {hole, 8, hole, hole} → 8.
  const image src = float_image(4, 4,
                                {1, 2, hole, hole,     //
                                 3, hole, hole, hole,  //
                                 5, 5, hole, 8,        //
                                 5, 9, hole, hole});
  CHECK(same(valid_average(src, 2, 2), {2, hole, 6, 8}));
  // 3 → 2 along x: footprints [0, 1.5) and [1.5, 3) hold the centres 0.5 | 1.5, 2.5: pixels {0} and {1, 2}.
  const image row = float_image(3, 1, {4, hole, 10});
  CHECK(same(valid_average(row, 1, 2), {4, 10}));
  const image row2 = float_image(3, 1, {4, 6, 10});
  CHECK(same(valid_average(row2, 1, 2), {4, 8}));
  // Enlarging: no centre in a footprint, so the pixel under the output centre, holes kept as holes.
  const image two = float_image(2, 1, {7, hole});
  CHECK(same(valid_average(two, 1, 5), {7, 7, hole, hole, hole}));
}
