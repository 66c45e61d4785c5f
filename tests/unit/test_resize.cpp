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

namespace {
// Pillow's Resample.c (precompute_coeffs, normalize_coeffs_8bpc, ImagingResampleHorizontal_8bpc and
// ImagingResampleVertical_8bpc) written out plainly: variable-length windows, one pixel at a time,
// horizontal pass over the rows the vertical pass reads, then the vertical pass. The library's fixed
// windows and its AVX2 RGB pass must give the same bytes.
struct pillow_coeffs {
  std::vector<int> bounds;
  std::vector<std::int32_t> kk;
  int ksize = 0;
};
pillow_coeffs pillow_precompute(int in, int out) {
  const double scale = static_cast<double>(in) / out, filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = filterscale;
  pillow_coeffs r;
  r.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  r.bounds.resize(static_cast<std::size_t>(out) * 2);
  r.kk.assign(static_cast<std::size_t>(out) * r.ksize, 0);
  std::vector<double> k(static_cast<std::size_t>(r.ksize));
  for (int xx = 0; xx < out; ++xx) {
    const double center = (xx + 0.5) * scale, ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5), xmax = static_cast<int>(center + support + 0.5);
    if (xmin < 0) xmin = 0;
    if (xmax > in) xmax = in;
    xmax -= xmin;
    double ww = 0;
    for (int x = 0; x < xmax; ++x) {
      const double t = std::fabs((x + xmin - center + 0.5) * ss);
      k[static_cast<std::size_t>(x)] = t < 1.0 ? 1.0 - t : 0.0;
      ww += k[static_cast<std::size_t>(x)];
    }
    for (int x = 0; x < xmax; ++x) {
      const double v = ww != 0.0 ? k[static_cast<std::size_t>(x)] / ww : k[static_cast<std::size_t>(x)];
      r.kk[static_cast<std::size_t>(xx) * r.ksize + x] =
          static_cast<std::int32_t>(v < 0 ? -0.5 + v * (1 << 22) : 0.5 + v * (1 << 22));
    }
    r.bounds[2 * static_cast<std::size_t>(xx)] = xmin;
    r.bounds[2 * static_cast<std::size_t>(xx) + 1] = xmax;
  }
  return r;
}
std::uint8_t pillow_clip8(std::int32_t v) {
  return v >= (255 << 22) ? 255 : v <= 0 ? 0 : static_cast<std::uint8_t>(v >> 22);
}
// src: h rows of w * c bytes with the given stride.
std::vector<std::uint8_t> pillow_resize(const std::uint8_t* src, std::size_t stride, int w, int h, int c, int oh,
                                        int ow) {
  std::vector<std::uint8_t> mid;
  int mid_first = 0, mid_w = w;
  const std::uint8_t* vin = src;
  std::size_t vstride = stride;
  const pillow_coeffs vc = pillow_precompute(h, oh);
  if (ow != w) {
    const pillow_coeffs hc = pillow_precompute(w, ow);
    const int first = oh != h ? vc.bounds[0] : 0;
    const int last =
        oh != h ? vc.bounds[2 * static_cast<std::size_t>(oh) - 2] + vc.bounds[2 * static_cast<std::size_t>(oh) - 1] : h;
    mid.assign(static_cast<std::size_t>(last - first) * ow * c, 0);
    for (int y = first; y < last; ++y)
      for (int xx = 0; xx < ow; ++xx)
        for (int ch = 0; ch < c; ++ch) {
          std::int32_t ss = 1 << 21;
          const int xmin = hc.bounds[2 * static_cast<std::size_t>(xx)],
                    xmax = hc.bounds[2 * static_cast<std::size_t>(xx) + 1];
          for (int x = 0; x < xmax; ++x)
            ss += src[stride * static_cast<std::size_t>(y) + static_cast<std::size_t>((xmin + x) * c + ch)] *
                  hc.kk[static_cast<std::size_t>(xx) * hc.ksize + x];
          mid[(static_cast<std::size_t>(y - first) * ow + xx) * c + ch] = pillow_clip8(ss);
        }
    mid_first = first;
    mid_w = ow;
    vin = mid.data();
    vstride = static_cast<std::size_t>(ow) * c;
    if (oh == h) return mid;
  }
  std::vector<std::uint8_t> out(static_cast<std::size_t>(oh) * mid_w * c);
  for (int yy = 0; yy < oh; ++yy)
    for (int i = 0; i < mid_w * c; ++i) {
      std::int32_t ss = 1 << 21;
      const int ymin = vc.bounds[2 * static_cast<std::size_t>(yy)],
                ymax = vc.bounds[2 * static_cast<std::size_t>(yy) + 1];
      for (int y = 0; y < ymax; ++y)
        ss += vin[vstride * static_cast<std::size_t>(ymin + y - mid_first) + static_cast<std::size_t>(i)] *
              vc.kk[static_cast<std::size_t>(yy) * vc.ksize + y];
      out[static_cast<std::size_t>(yy) * mid_w * c + static_cast<std::size_t>(i)] = pillow_clip8(ss);
    }
  return out;
}
}  // namespace

TEST_CASE(
    "resize: bilinear equals Pillow's Resample.c loop on textured images, any size, channels and window, "
    "and with a flip folded in equals resizing the flipped image") {
  // Shrinks of 1.01x to 9x (3 to 21 taps), enlargements, one axis only, widths whose last windows
  // touch the row's end, and crops (views) whose rows continue past the window.
  const std::vector<std::array<int, 4>> cases = {
      {500, 375, 256, 256}, {640, 480, 512, 512}, {2048, 1024, 1024, 512}, {37, 23, 11, 7},    {17, 9, 16, 9},
      {9, 17, 9, 4},        {101, 3, 7, 3},       {33, 33, 99, 70},        {300, 200, 33, 21}, {7, 5, 3, 2},
      {2, 2, 5, 5},         {320, 240, 317, 239}, {129, 64, 64, 64},       {8, 8, 1, 1},       {1000, 10, 111, 10}};
  int compared = 0;
  for (const int c : {3, 1, 4}) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const auto [w, h, ow, oh] = cases[i];
      const image big = make_image(w + 5, h + 3, c, [&](int x, int y, int ch) {
        return imgbatch::test::texture(static_cast<int>(i), x, y, ch);
      });
      for (const int variant : {0, 1, 2, 3, 4}) {  // whole, window, window read mirrored x, y, both
        const bool window = variant > 0, mx = variant == 2 || variant == 4, my = variant == 3 || variant == 4;
        const image_view full = image_view::of(big);
        const image_view v = window ? full.sub(2, 1, w, h) : full.sub(0, 0, w, h);
        // The reference resizes a flipped copy; the library folds the flip into its windows.
        std::vector<std::uint8_t> flipped(static_cast<std::size_t>(w) * h * c);
        for (int y = 0; y < h; ++y)
          for (int x = 0; x < w; ++x)
            for (int ch = 0; ch < c; ++ch)
              flipped[(static_cast<std::size_t>(y) * w + x) * c + ch] =
                  v.row(my ? h - 1 - y : y)[(mx ? w - 1 - x : x) * c + ch];
        image out;
        resize_scratch s;
        resize_bilinear(v, oh, ow, out, s, mx, my);
        const auto want = pillow_resize(flipped.data(), static_cast<std::size_t>(w) * c, w, h, c, oh, ow);
        INFO(w << "x" << h << " -> " << ow << "x" << oh << ", " << c << " channels, variant " << variant);
        REQUIRE(out.pixels.size() == want.size());
        std::size_t differ = 0;
        for (std::size_t k = 0; k < want.size(); ++k) differ += out.pixels[k] != want[k];
        CHECK(differ == 0);
        ++compared;
        if (c == 1) {  // nearest read mirrored == nearest of the flipped copy
          image fl;
          fl.reset(w, h, 1);
          std::memcpy(fl.pixels.data(), flipped.data(), flipped.size());
          image a, b;
          std::vector<int> map;
          resize_nearest(v, oh, ow, a, map, mx, my);
          resize_nearest(image_view::of(fl), oh, ow, b, map);
          CHECK(a.pixels == b.pixels);
        }
      }
    }
  }
  CHECK(compared == 225);
}
