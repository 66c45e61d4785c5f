#include "transform/affine.hpp"

#include <cmath>
#include <cstring>
#include <vector>

namespace imgbatch::detail {

affine2d affine_inverse(const affine2d& m) noexcept {
  const double det = m[0] * m[4] - m[1] * m[3];
  const double a = m[4] / det, b = -m[1] / det, d = -m[3] / det, e = m[0] / det;
  return {a, b, -(a * m[2] + b * m[5]), d, e, -(d * m[2] + e * m[5])};
}

affine2d affine_compose(const affine2d& a, const affine2d& b) noexcept {
  return {a[0] * b[0] + a[1] * b[3], a[0] * b[1] + a[1] * b[4], a[0] * b[2] + a[1] * b[5] + a[2],
          a[3] * b[0] + a[4] * b[3], a[3] * b[1] + a[4] * b[4], a[3] * b[2] + a[4] * b[5] + a[5]};
}

void affine_bilinear(const image_view& src, int out_h, int out_w, const affine2d& a, const std::uint8_t* fill,
                     image& out) {
  const int c = src.channels;
  out.reset(out_w, out_h, c);
  const int w = src.width, h = src.height;
  auto xclip = [w](int x) { return x < 0 ? 0 : x < w ? x : w - 1; };
  auto yclip = [h](int y) { return y < 0 ? 0 : y < h ? y : h - 1; };
  for (int y = 0; y < out_h; ++y) {
    std::uint8_t* o = out.row(y);
    for (int x = 0; x < out_w; ++x, o += c) {
      // Geometry.c: affine_transform, then bilinear_filter32RGB.
      const double xo = x + 0.5, yo = y + 0.5;
      double xin = a[0] * xo + a[1] * yo + a[2];
      double yin = a[3] * xo + a[4] * yo + a[5];
      if (xin < 0.0 || xin >= w || yin < 0.0 || yin >= h) {
        std::memcpy(o, fill, static_cast<std::size_t>(c));
        continue;
      }
      xin -= 0.5;
      yin -= 0.5;
      const int ix = static_cast<int>(std::floor(xin)), iy = static_cast<int>(std::floor(yin));
      const double dx = xin - ix, dy = yin - iy;
      const std::uint8_t* r0 = src.row(yclip(iy));
      const bool second = iy + 1 >= 0 && iy + 1 < h;
      const std::uint8_t* r1 = second ? src.row(iy + 1) : r0;
      const int x0 = xclip(ix) * c, x1 = xclip(ix + 1) * c;
      for (int ch = 0; ch < c; ++ch) {
        double v1 = r0[x0 + ch] + (double(r0[x1 + ch]) - r0[x0 + ch]) * dx;
        const double v2 = second ? r1[x0 + ch] + (double(r1[x1 + ch]) - r1[x0 + ch]) * dx : v1;
        v1 = v1 + (v2 - v1) * dy;
        o[ch] = static_cast<std::uint8_t>(v1);
      }
    }
  }
}

void affine_nearest(const image_view& src, int out_h, int out_w, const affine2d& a, const std::uint8_t* fill,
                    image& out) {
  // Pillow's ImagingTransformAffine for NEAREST, path for path: pure scaling pretabulates columns in
  // double; otherwise 16.16 fixed point when every corner fits, else double steps. Pixel centres sit
  // at +0.5 and a coordinate's pixel is COORD(v): -1 below 0, else (int)v.
  out.reset(out_w, out_h, src.channels, src.sample_bytes);
  const std::size_t pb = src.pixel_bytes();
  const int xsize = src.width, ysize = src.height;
  auto put = [&](std::uint8_t* o, int xin, int yin) {
    if (xin >= 0 && xin < xsize && yin >= 0 && yin < ysize)
      std::memcpy(o, src.row(yin) + pb * static_cast<std::size_t>(xin), pb);
    else std::memcpy(o, fill, pb);
  };
  auto coord = [](double v) { return v < 0.0 ? -1 : static_cast<int>(v); };
  if (a[1] == 0 && a[3] == 0) {
    double xo = a[2] + a[0] * 0.5, yo = a[5] + a[4] * 0.5;
    std::vector<int> xin(static_cast<std::size_t>(out_w));
    for (int x = 0; x < out_w; ++x, xo += a[0]) xin[static_cast<std::size_t>(x)] = coord(xo);
    for (int y = 0; y < out_h; ++y, yo += a[4]) {
      const int yi = coord(yo);
      std::uint8_t* o = out.row(y);
      for (int x = 0; x < out_w; ++x, o += pb) put(o, xin[static_cast<std::size_t>(x)], yi);
    }
    return;
  }
  auto fits = [&](int x, int y) {
    return std::fabs(x * a[0] + y * a[1] + a[2]) < 32768.0 && std::fabs(x * a[3] + y * a[4] + a[5]) < 32768.0;
  };
  if (fits(0, 0) && fits(out_w, out_h) && fits(0, out_h) && fits(out_w, 0)) {
    auto fix = [](double v) { return static_cast<int>(std::floor(v * 65536.0 + 0.5)); };
    const int a0 = fix(a[0]), a1 = fix(a[1]), a3 = fix(a[3]), a4 = fix(a[4]);
    int a2 = fix(a[2] + a[0] * 0.5 + a[1] * 0.5), a5 = fix(a[5] + a[3] * 0.5 + a[4] * 0.5);
    for (int y = 0; y < out_h; ++y, a2 += a1, a5 += a4) {
      int xx = a2, yy = a5;
      std::uint8_t* o = out.row(y);
      for (int x = 0; x < out_w; ++x, o += pb, xx += a0, yy += a3) put(o, xx >> 16, yy >> 16);
    }
    return;
  }
  double xo = a[2] + a[1] * 0.5 + a[0] * 0.5, yo = a[5] + a[4] * 0.5 + a[3] * 0.5;
  for (int y = 0; y < out_h; ++y, xo += a[1], yo += a[4]) {
    double xx = xo, yy = yo;
    std::uint8_t* o = out.row(y);
    for (int x = 0; x < out_w; ++x, o += pb, xx += a[0], yy += a[3]) put(o, coord(xx), coord(yy));
  }
}

}  // namespace imgbatch::detail
