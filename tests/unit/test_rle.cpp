// COCO masks: the compressed counts strings and polygon rasterisation of the COCO API's maskApi.c, on
// cases worked out by hand from its encoding and from its rule (a pixel is in a polygon when its centre is).
#include "dataset/dataset.hpp"
#include "dataset/rle.hpp"

#include <doctest/doctest.h>

using namespace imgbatch::detail;

namespace {
std::vector<std::uint8_t> raster_of(const std::vector<std::uint32_t>& counts, int h, int w) {
  std::vector<std::uint8_t> r(static_cast<std::size_t>(h) * w, 0);
  rle_paint(counts, h, w, 1, r.data());
  return r;
}
}  // namespace

TEST_CASE("rle: compressed counts strings decode as rleFrString") {
  std::vector<std::uint32_t> c;
  // [6,2,3,2,3,2,12]: from the 4th on, counts are stored as differences to the one two back:
  // 6 2 3 0 0 0 9 -> one 5-bit group each -> '6' '2' '3' '0' '0' '0' '9'.
  REQUIRE(rle_from_string("6230009", c).empty());
  CHECK(c == std::vector<std::uint32_t>{6, 2, 3, 2, 3, 2, 12});
  // [3,5,1,2]: 2 - 5 = -3: group 29 (sign bit 0x10 set, x >> 5 == -1: last) -> 29 + 48 = 'M'.
  REQUIRE(rle_from_string("351M", c).empty());
  CHECK(c == std::vector<std::uint32_t>{3, 5, 1, 2});
  // 100 = 3 * 32 + 4: groups 4 (continued: 4 | 0x20 = 36 -> 'T') then 3 -> '3'.
  REQUIRE(rle_from_string("T3", c).empty());
  CHECK(c == std::vector<std::uint32_t>{100});
  CHECK(rle_from_string("6T", c) == "ends inside a number");
  CHECK(rle_from_string("6 2", c) == "character ' ' is not in the RLE alphabet");
  CHECK(rle_from_string("0M", c) == "a run length is negative");   // the second count is not a difference: -3
  CHECK(rle_from_string("33M", c) == "a run length is negative");  // nor the third
  CHECK(rle_from_string("333M", c).empty());                       // the fourth is: 3 + (-3) = 0
  CHECK(c == std::vector<std::uint32_t>{3, 3, 3, 0});
}

TEST_CASE("rle: counts run down the columns") {
  // 3 high, 2 wide: [1, 3, 2]: pixel 0 (x0,y0) off, pixels 1..3 on = (x0,y1), (x0,y2), (x1,y0).
  CHECK(raster_of({1, 3, 2}, 3, 2) == std::vector<std::uint8_t>{0, 1, 1, 0, 1, 0});
}

TEST_CASE("rle: a rectangle polygon covers the pixels whose centres are inside it") {
  // [1,4] x [1,3] on 5 high, 6 wide: centres x + 0.5 in (1, 4) -> x = 1, 2, 3; y + 0.5 in (1, 3) -> y = 1, 2.
  // In maskApi terms: boundary points (1,1) (1,3) (2,1) (2,3) (3,1) (3,3) -> counts [6,2,3,2,3,2,12].
  const double xy[] = {1, 1, 1, 3, 4, 3, 4, 1};
  std::vector<std::uint32_t> c;
  rle_from_polygon(xy, 4, 5, 6, c);
  CHECK(c == std::vector<std::uint32_t>{6, 2, 3, 2, 3, 2, 12});
  const auto r = raster_of(c, 5, 6);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 6; ++x) CHECK(r[static_cast<std::size_t>(y * 6 + x)] == (x >= 1 && x <= 3 && y >= 1 && y <= 2));
}

TEST_CASE("rle: fractional vertices are rounded on maskApi's 5x grid, then the pixel-centre rule holds") {
  // [0.7, 3.2] x [0.7, 2.4]: on the 5x grid x = (int)(3.5 + .5) = 4 .. (int)(16 + .5) = 16, y = 4 .. 12.
  // Boundary points where u steps: x with (xd + .5) / 5 - .5 whole: xd = 7, 12 -> x = 1, 2; the top edge
  // (v = 4) gives y = ceil(4.5 / 5 - .5) = 1, the bottom (v = 12) y = ceil(12.5 / 5 - .5) = 2.
  // So columns 1 and 2, row 1 only: the pixels whose centres (x + .5, y + .5) lie inside.
  const double xy[] = {0.7, 0.7, 3.2, 0.7, 3.2, 2.4, 0.7, 2.4};
  std::vector<std::uint32_t> c;
  rle_from_polygon(xy, 4, 4, 5, c);
  const auto r = raster_of(c, 4, 5);
  std::vector<std::uint8_t> want(20, 0);
  want[1 * 5 + 1] = want[1 * 5 + 2] = 1;
  CHECK(r == want);
  CHECK(rle_from_string("oooooooooooo0", c) == "a number is too long");
}

TEST_CASE("rle: a segmentation paints the union of its polygons") {
  segmentation s;
  s.polygons = {{0, 0, 1, 0, 1, 2, 0, 2}, {3, 3, 5, 3, 5, 4, 3, 4}};
  std::vector<std::uint8_t> r(5 * 6, 0);
  std::vector<std::uint32_t> scratch;
  paint_segmentation(s, 5, 6, 7, r.data(), scratch);
  // first: x 0, y 0..1; second: x 3..4, y 3
  std::vector<std::uint8_t> want(30, 0);
  want[0] = want[6] = 7;
  want[3 * 6 + 3] = want[3 * 6 + 4] = 7;
  CHECK(r == want);
}
