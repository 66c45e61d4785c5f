#pragma once

#include "decode/image.hpp"
#include "transform/view.hpp"

#include <array>
#include <cstdint>

namespace imgbatch::detail {

/// An affine map of continuous pixel coordinates (origin at the top-left corner of the top-left pixel):
/// x' = m[0] x + m[1] y + m[2], y' = m[3] x + m[4] y + m[5].
using affine2d = std::array<double, 6>;

affine2d affine_inverse(const affine2d& m) noexcept;
/// a after b: (a ∘ b)(p) = a(b(p)).
affine2d affine_compose(const affine2d& a, const affine2d& b) noexcept;
inline std::array<double, 2> affine_apply(const affine2d& m, double x, double y) noexcept {
  return {m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]};
}

/// Pillow's Image.transform(AFFINE, `to_source`, BILINEAR) of 8-bit pixels: output pixel (x, y) samples
/// the source at to_source(x + 0.5, y + 0.5) with Pillow's bilinear filter (edge rows and columns
/// clamped, the result truncated); points outside the source get `fill` (one pixel's bytes).
void affine_bilinear(const image_view& src, int out_h, int out_w, const affine2d& to_source, const std::uint8_t* fill,
                     image& out);
/// Nearest as Pillow's AFFINE transform with NEAREST: the source pixel containing
/// to_source(x + 0.5, y + 0.5), stepped along rows in Pillow's 16.16 fixed point (or double steps where
/// that cannot hold the coordinates); any pixel size; never blends.
void affine_nearest(const image_view& src, int out_h, int out_w, const affine2d& to_source, const std::uint8_t* fill,
                    image& out);

}  // namespace imgbatch::detail
