#include "support/fixtures.hpp"
#include "transform/crop_flip.hpp"
#include "transform/execute.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace imgbatch::detail;
using imgbatch::test::make_image;

TEST_CASE("crop: a window inside is a view, one that overhangs is padded with the fill") {
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

namespace {
// The plan's steps one by one, each materialised: the reference for run_plan, which reorders flips.
image naive(const sample_plan& plan, const image& src, const std::uint8_t* fill) {
  image cur = src, next;
  for (const plan_step& st : plan.steps) {
    if (st.kind == plan_step::crop) crop_pad(image_view::of(cur), st.y0, st.x0, st.out_h, st.out_w, fill, next);
    else flip(image_view::of(cur), st.kind == plan_step::hflip, st.kind == plan_step::vflip, next);
    std::swap(cur, next);
  }
  return cur;
}
// run_plan's result with its left-over flips applied.
image run(const sample_plan& plan, const image& src, const std::uint8_t* fill, exec_scratch& s) {
  const exec_result r = run_plan(plan, image_view::of(src), resample::nearest, fill, s);
  image out;
  flip(r.view, r.fx, r.fy, out);
  return out;
}
}  // namespace

TEST_CASE("run_plan: flips moved past crops (inside or padded) give the pixels of the steps in order") {
  std::mt19937 rng(3);
  exec_scratch s;
  for (int trial = 0; trial < 300; ++trial) {
    const int w = 5 + static_cast<int>(rng() % 20), h = 4 + static_cast<int>(rng() % 15), c = 1 + 2 * (trial % 2);
    const image src =
        make_image(w, h, c, [&](int x, int y, int ch) { return imgbatch::test::texture(trial, x, y, ch); });
    sample_plan plan;
    int cw = w, ch = h;
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < n; ++k) {
      const int kind = static_cast<int>(rng() % 3);
      if (kind == 0) {
        plan.steps.push_back({plan_step::hflip, ch, cw, 0, 0, {}});
      } else if (kind == 1) {
        plan.steps.push_back({plan_step::vflip, ch, cw, 0, 0, {}});
      } else {
        const int nh = 1 + static_cast<int>(rng() % (ch + 3)), nw = 1 + static_cast<int>(rng() % (cw + 3));
        const int y0 = static_cast<int>(rng() % (ch + 4)) - 2, x0 = static_cast<int>(rng() % (cw + 4)) - 2;
        plan.steps.push_back({plan_step::crop, nh, nw, y0, x0, {}});
        ch = nh;
        cw = nw;
      }
    }
    const std::uint8_t fill[3] = {7, 8, 9};
    const image want = naive(plan, src, fill), got = run(plan, src, fill, s);
    CAPTURE(trial);
    REQUIRE(got.width == want.width);
    REQUIRE(got.height == want.height);
    REQUIRE(got.pixels == want.pixels);
  }
}
