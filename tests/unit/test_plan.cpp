#include "transform/plan.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

using namespace imgbatch;
using namespace imgbatch::detail;

namespace {
sample_plan plan_of(std::vector<transform> ops, int h, int w, std::uint64_t id = 0, std::uint64_t epoch = 0) {
  sample_plan p;
  REQUIRE(plan_sample(make_chain(ops), {1, epoch, id}, h, w, p).empty());
  return p;
}
}  // namespace

TEST_CASE("plan: center_crop rounds half offsets to even, as torchvision's round()") {
  CHECK(plan_of({center_crop_op{{2, 2}}}, 5, 5).steps[0].y0 == 2);   // 1.5 -> 2
  CHECK(plan_of({center_crop_op{{2, 2}}}, 7, 7).steps[0].x0 == 2);   // 2.5 -> 2
  CHECK(plan_of({center_crop_op{{1, 1}}}, 4, 4).steps[0].y0 == 2);   // 1.5 -> 2
  CHECK(plan_of({center_crop_op{{4, 4}}}, 8, 10).steps[0].x0 == 3);  // 3
  auto pad = plan_of({center_crop_op{{6, 3}}}, 3, 5);                // taller than the image: padded
  CHECK(pad.steps[0].y0 == -1);
  CHECK(pad.steps[0].x0 == 1);
}

TEST_CASE("plan: resize by shorter side keeps aspect as torchvision computes it") {
  CHECK(shorter_side_size(480, 640, 256, 0) == size2{256, 341});
  CHECK(shorter_side_size(640, 480, 256, 0) == size2{341, 256});
  CHECK(shorter_side_size(480, 640, 256, 300) == size2{225, 300});
  auto p = plan_of({resize_op{.shorter = {100}}}, 200, 300);
  CHECK(p.out_h == 100);
  CHECK(p.out_w == 150);
}

TEST_CASE("plan: a shorter-side resize of an extreme aspect ratio is refused by the pixel limit, not overflowed") {
  // 1 × 1,000,000 to shorter side 256: the longer side would be 256,000,000 (beyond an int's 2^31 when
  // multiplied out before; UBSan flags that), the area 6.6e10 pixels.
  CHECK(shorter_side_size(1, 1'000'000, 256, 0) == size2{256, 256'000'000});
  CHECK(shorter_side_size(1, 100'000'000, 256, 0) == size2{256, std::numeric_limits<int>::max()});
  sample_plan p;
  CHECK(plan_sample(make_chain({resize_op{.shorter = {256}}}), {0, 0, 0}, 1, 1'000'000, p) ==
        "resize of a 1x1000000 image to 256x256000000 gives 65536000000 pixels, above the limit of 89478485 "
        "(decode.max_pixels)");
  CHECK(
      plan_sample(make_chain({resize_op{.shorter = {256}}}), {0, 0, 0}, 1, 1'000'000, p, 0, 0, 70'000'000'000).empty());
  CHECK(p.out_w == 256'000'000);
}

TEST_CASE("plan: random draws depend only on seed, epoch, sample id and op index") {
  std::vector<transform> ops = {random_crop_op{{10, 10}}, hflip_op{0.5}};
  int differ_by_epoch = 0, differ_by_id = 0, flips = 0;
  for (std::uint64_t id = 0; id < 64; ++id) {
    auto a = plan_of(ops, 50, 60, id, 3), b = plan_of(ops, 50, 60, id, 3);
    REQUIRE(a.steps.size() == b.steps.size());
    CHECK(a.steps[0].y0 == b.steps[0].y0);
    CHECK(a.steps[0].x0 == b.steps[0].x0);
    CHECK(a.steps[0].y0 >= 0);
    CHECK(a.steps[0].y0 <= 40);
    CHECK(a.steps[0].x0 <= 50);
    auto c = plan_of(ops, 50, 60, id, 4), d = plan_of(ops, 50, 60, id + 1, 3);
    differ_by_epoch += c.steps[0].x0 != a.steps[0].x0;
    differ_by_id += d.steps[0].x0 != a.steps[0].x0;
    flips += a.geometry.hflip;
  }
  CHECK(differ_by_epoch > 50);
  CHECK(differ_by_id > 50);
  CHECK(flips > 16);
  CHECK(flips < 48);
}

TEST_CASE("plan: a random crop that does not fit is an error unless padding is allowed") {
  sample_plan p;
  CHECK(plan_sample(make_chain({random_crop_op{{100, 10}}}), {0, 0, 0}, 50, 60, p) ==
        "random_crop of 100x10 does not fit a 50x60 image (set pad_if_needed)");
  for (std::uint64_t id = 0; id < 32; ++id) {
    REQUIRE(plan_sample(make_chain({random_crop_op{{100, 10}, true}}), {0, 0, id}, 50, 60, p).empty());
    CHECK(p.steps[0].y0 >= -50);  // padded by the 50-row shortfall on both sides
    CHECK(p.steps[0].y0 <= 0);
    CHECK(p.out_h == 100);
  }
}

TEST_CASE("plan: flip probabilities 0 and 1 are exact") {
  for (std::uint64_t id = 0; id < 20; ++id) {
    CHECK(plan_of({hflip_op{1.0}, vflip_op{0.0}}, 4, 4, id).geometry.hflip);
    CHECK_FALSE(plan_of({hflip_op{1.0}, vflip_op{0.0}}, 4, 4, id).geometry.vflip);
  }
}

TEST_CASE("plan: geometry maps source coordinates to output coordinates") {
  auto p = plan_of({resize_op{.size = size2{50, 100}}, hflip_op{1.0}}, 100, 200);
  const sample_geometry& g = p.geometry;
  CHECK(g.scale_x == doctest::Approx(-0.5));
  CHECK(g.offset_x == doctest::Approx(100));
  CHECK(g.scale_y == doctest::Approx(0.5));
  CHECK(g.offset_y == doctest::Approx(0));
  CHECK(g.crop_width == doctest::Approx(200));
  CHECK(g.crop_height == doctest::Approx(100));
  // A 20x30 crop at (15, 35) of the halved image: the visible source is x 70..130, y 30..70.
  auto c = plan_of({resize_op{.size = size2{50, 100}}, center_crop_op{{20, 30}}}, 100, 200);
  CHECK(c.steps[1].y0 == 15);
  CHECK(c.steps[1].x0 == 35);
  CHECK(c.geometry.crop_x == doctest::Approx(70));
  CHECK(c.geometry.crop_y == doctest::Approx(30));
  CHECK(c.geometry.crop_width == doctest::Approx(60));
  CHECK(c.geometry.crop_height == doctest::Approx(40));
  CHECK(c.out_h == 20);
  CHECK(c.out_w == 30);
}

TEST_CASE("plan: the chain knows when every sample ends at one size") {
  CHECK(make_chain({resize_op{.size = size2{8, 9}}, hflip_op{}, normalize_op{}}).fixed_size == size2{8, 9});
  CHECK_FALSE(make_chain({random_crop_op{{4, 4}}, resize_op{.shorter = {10}}}).fixed_size.has_value());
  CHECK_FALSE(make_chain({hflip_op{}}).fixed_size.has_value());
  CHECK(make_chain({normalize_op{}}).final_op == op_chain::normalize);
}

TEST_CASE("plan: color_jitter draws every order of the four and each factor over its own range") {
  // Disjoint ranges tell the factors apart; hue 0.1..0.2 turns is a shift of 25..51 levels.
  const op_chain chain = make_chain({color_jitter_op{.brightness = std::array<double, 2>{0.5, 0.6},
                                                     .contrast = std::array<double, 2>{1.5, 1.6},
                                                     .saturation = std::array<double, 2>{2.0, 2.1},
                                                     .hue = std::array<double, 2>{0.1, 0.2}}});
  std::set<std::array<std::int8_t, 4>> orders;
  std::array<double, 4> lo{9, 9, 9, 9}, hi{-9, -9, -9, -9};
  int hue_lo = 255, hue_hi = 0;
  for (std::uint64_t pos = 0; pos < 3000; ++pos) {
    sample_plan p;
    REQUIRE(plan_sample(chain, {5, 1, pos}, 20, 30, p).empty());
    REQUIRE(p.steps.size() == 1);
    const plan_step& st = p.steps[0];
    REQUIRE(st.kind == plan_step::color);
    orders.insert(st.order);
    for (std::size_t k = 0; k < 4; ++k) {
      const auto op = static_cast<std::size_t>(st.order[k]);
      lo[op] = std::min(lo[op], double(st.factor[k]));
      hi[op] = std::max(hi[op], double(st.factor[k]));
    }
    hue_lo = std::min(hue_lo, int(st.hue_shift));
    hue_hi = std::max(hue_hi, int(st.hue_shift));
  }
  CHECK(orders.size() == 24);
  const std::array<double, 3> want_lo{0.5, 1.5, 2.0};
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(lo[k] >= want_lo[k] - 1e-6);
    CHECK(lo[k] < want_lo[k] + 0.002);
    CHECK(hi[k] <= want_lo[k] + 0.1 + 1e-6);
    CHECK(hi[k] > want_lo[k] + 0.098);
  }
  CHECK(hue_lo == 25);  // trunc(0.1 * 255) = 25
  CHECK(hue_hi >= 50);  // trunc(0.2 * 255) = 51, reached only at the very top
  CHECK(hue_hi <= 51);
}

TEST_CASE("plan: gaussian_blur sigma and random_erasing rectangles follow torchvision's sampling") {
  const op_chain chain = make_chain({gaussian_blur_op{{5, 5}, {0.3, 1.5}}, to_float_op{},
                                     random_erasing_op{.p = 1.0, .scale = {0.02, 0.33}, .ratio = {0.3, 3.3}}});
  double s_lo = 9, s_hi = 0;
  std::vector<double> log_ratio;
  for (std::uint64_t pos = 0; pos < 2000; ++pos) {
    sample_plan p;
    REQUIRE(plan_sample(chain, {5, 1, pos}, 200, 300, p).empty());
    REQUIRE(p.steps.size() == 1);
    s_lo = std::min(s_lo, p.steps[0].sigma);
    s_hi = std::max(s_hi, p.steps[0].sigma);
    REQUIRE(p.erase);
    const erase_box& e = *p.erase;
    CHECK(e.x >= 0);
    CHECK(e.y >= 0);
    CHECK(e.x + e.width <= 300);
    CHECK(e.y + e.height <= 200);
    // h = round(sqrt(area * r)), w = round(sqrt(area / r)): h * w is the drawn area within rounding.
    const double area = double(e.width) * e.height;
    const double slack = 0.5 * (e.width + e.height) + 1;
    CHECK(area >= 0.02 * 60000 - slack);
    CHECK(area <= 0.33 * 60000 + slack);
    log_ratio.push_back(std::log(double(e.height) / e.width));
  }
  CHECK(s_lo < 0.31);
  CHECK(s_hi > 1.49);
  CHECK(s_hi <= 1.5);
  // Log-uniform ratio over [0.3, 3.3]: the median log(h / w) is about 0 (a uniform ratio would put it
  // near log 1.8 = 0.59).
  std::sort(log_ratio.begin(), log_ratio.end());
  CHECK(std::fabs(log_ratio[log_ratio.size() / 2]) < 0.15);
}

TEST_CASE("plan: source_region is the first crop's window when only per-pixel steps come before it") {
  // 201 x 301 (h x w), centre crop 100 x 80: top round(50.5) = 50, left round(110.5) = 110.
  const pixel_rect window{110, 50, 190, 150};
  CHECK(source_region(plan_of({center_crop_op{{100, 80}}}, 201, 301)) == window);
  // After a left-right flip the window [110, 190) of the flipped frame is source [301-190, 301-110).
  CHECK(source_region(plan_of({hflip_op{1.0}, center_crop_op{{100, 80}}}, 201, 301)) == pixel_rect{111, 50, 191, 150});
  // And after a top-bottom flip rows [50, 150) are source [201-150, 201-50).
  CHECK(source_region(plan_of({vflip_op{1.0}, center_crop_op{{100, 80}}}, 201, 301)) == pixel_rect{110, 51, 190, 151});
  // Per-pixel colour steps and greyscale before the crop keep it.
  color_jitter_op bright;
  bright.brightness = std::array<double, 2>{1.5, 1.5};
  bright.saturation = std::array<double, 2>{0.5, 0.5};
  CHECK(source_region(plan_of({bright, random_grayscale_op{1.0}, center_crop_op{{100, 80}}}, 201, 301)) == window);
  // Contrast needs the mean of every pixel; a resize, blur or affine before the crop reads all of them.
  const pixel_rect whole{0, 0, 301, 201};
  color_jitter_op contrast;
  contrast.contrast = std::array<double, 2>{1.5, 1.5};
  CHECK(source_region(plan_of({contrast, center_crop_op{{100, 80}}}, 201, 301)) == whole);
  CHECK(source_region(plan_of({resize_op{size2{150, 200}}, center_crop_op{{100, 80}}}, 201, 301)) == whole);
  CHECK(source_region(plan_of({gaussian_blur_op{{3, 3}, {1.0, 1.0}}, center_crop_op{{100, 80}}}, 201, 301)) == whole);
  CHECK(source_region(plan_of({resize_op{size2{150, 200}}}, 201, 301)) == whole);
  // A crop reaching past the image (padding) reads only the part inside.
  CHECK(source_region(plan_of({center_crop_op{{300, 80}}}, 201, 301)) == pixel_rect{110, 0, 190, 201});
  // Clipped to the image, then mirrored: a padding crop after a flip, and both flips.
  CHECK(source_region(plan_of({hflip_op{1.0}, center_crop_op{{300, 80}}}, 201, 301)) == pixel_rect{111, 0, 191, 201});
  CHECK(source_region(plan_of({hflip_op{1.0}, vflip_op{1.0}, center_crop_op{{100, 80}}}, 201, 301)) ==
        pixel_rect{111, 51, 191, 151});
  // Only the first crop counts: a second one crops the first one's output.
  CHECK(source_region(plan_of({center_crop_op{{100, 80}}, center_crop_op{{10, 10}}}, 201, 301)) == window);
}
