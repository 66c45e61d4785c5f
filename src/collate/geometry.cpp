#include <imgbatch/batch.hpp>

#include "transform/box_ops.hpp"

#include <algorithm>
#include <cmath>

namespace imgbatch {

std::array<double, 2> sample_geometry::point_to_source(double x, double y) const noexcept {
  if (matrix[1] == 0 && matrix[3] == 0) return {(x - matrix[2]) / matrix[0], (y - matrix[5]) / matrix[4]};
  return detail::affine_apply(detail::affine_inverse(matrix), x, y);
}

std::array<double, 4> sample_geometry::box_to_source(const std::array<double, 4>& b) const noexcept {
  std::array<double, 4> e{INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (double x : {b[0], b[2]})
    for (double y : {b[1], b[3]}) {
      const auto p = point_to_source(x, y);
      e = {std::min(e[0], p[0]), std::min(e[1], p[1]), std::max(e[2], p[0]), std::max(e[3], p[1])};
    }
  return e;
}

std::array<double, 4> sample_geometry::box_to_stored(const std::array<double, 4>& b) const noexcept {
  if (exif_orientation == 1) return b;
  // The stored grid is the decoded one with width and height swapped back for orientations 5..8.
  const bool swap = exif_orientation >= 5;
  const double w = swap ? source_height : source_width, h = swap ? source_width : source_height;
  const auto p = detail::unorient_point(exif_orientation, w, h, b[0], b[1]);
  const auto q = detail::unorient_point(exif_orientation, w, h, b[2], b[3]);
  return {std::min(p[0], q[0]), std::min(p[1], q[1]), std::max(p[0], q[0]), std::max(p[1], q[1])};
}

void sample_geometry::mask_to_source(const std::uint8_t* mask, int height, int width, std::uint8_t fill,
                                     std::uint8_t* out) const noexcept {
  for (int y = 0; y < source_height; ++y) {
    const double cy = y + 0.5;
    const bool row_visible = cy >= crop_y && cy < crop_y + crop_height;
    std::uint8_t* d = out + static_cast<std::size_t>(y) * source_width;
    for (int x = 0; x < source_width; ++x) {
      const double cx = x + 0.5;
      const double ox = matrix[0] * cx + matrix[1] * cy + matrix[2], oy = matrix[3] * cx + matrix[4] * cy + matrix[5];
      const auto ix = static_cast<long>(std::floor(ox)), iy = static_cast<long>(std::floor(oy));
      const bool inside = row_visible && cx >= crop_x && cx < crop_x + crop_width && iy >= 0 && iy < height &&
                          ix >= 0 && ix < width && iy < output_height && ix < output_width;
      d[x] = inside ? mask[static_cast<std::size_t>(iy) * width + ix] : fill;
    }
  }
}

}  // namespace imgbatch
