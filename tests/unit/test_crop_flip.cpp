#include "support/fixtures.hpp"
#include "transform/crop_flip.hpp"

#include <doctest/doctest.h>

using namespace imgbatch::detail;
using imgbatch::test::make_image;

TEST_CASE("crop: a window inside is a view; one that overhangs is padded with the fill") {
  image src = make_image(3, 2, 1, [](int x, int y, int) { return 1 + x + 3 * y; });
  image_view v = image_view::of(src);
  CHECK(crop_inside(v, 0, 1, 2, 2));
  CHECK_FALSE(crop_inside(v, -1, 0, 2, 2));
  image_view sub = v.sub(1, 0, 2, 2);
  CHECK(sub.row(1)[0] == 5);
  image out;
  const std::uint8_t fill = 99;
  crop_pad(v, -1, -1, 4, 5, &fill, out);
  CHECK(out.pixels == std::vector<std::uint8_t>{99, 99, 99, 99, 99,  //
                                                99, 1,  2,  3,  99,  //
                                                99, 4,  5,  6,  99,  //
                                                99, 99, 99, 99, 99});
  crop_pad(v, 5, 5, 1, 2, &fill, out);  // entirely outside
  CHECK(out.pixels == std::vector<std::uint8_t>{99, 99});
}

TEST_CASE("flip: left-right and top-bottom keep whole pixels together") {
  image src = make_image(2, 2, 3, [](int x, int y, int c) { return 10 * (x + 2 * y) + c; });
  image out;
  flip(image_view::of(src), true, false, out);
  CHECK(out.pixels == std::vector<std::uint8_t>{10, 11, 12, 0, 1, 2, 30, 31, 32, 20, 21, 22});
  flip(image_view::of(src), false, true, out);
  CHECK(out.pixels == std::vector<std::uint8_t>{20, 21, 22, 30, 31, 32, 0, 1, 2, 10, 11, 12});
  flip(image_view::of(src), true, true, out);
  CHECK(out.pixels == std::vector<std::uint8_t>{30, 31, 32, 20, 21, 22, 10, 11, 12, 0, 1, 2});
}
