#include <imgbatch/batch.hpp>

#include "transform/box_ops.hpp"

#include <algorithm>
#include <cmath>

namespace imgbatch {

std::array<double, 2> sample_geometry::point_to_source(double x, double y) const noexcept {
  return {(x - offset_x) / scale_x, (y - offset_y) / scale_y};
}

std::array<double, 4> sample_geometry::box_to_source(const std::array<double, 4>& b) const noexcept {
  const auto p = point_to_source(b[0], b[1]), q = point_to_source(b[2], b[3]);
  return {std::min(p[0], q[0]), std::min(p[1], q[1]), std::max(p[0], q[0]), std::max(p[1], q[1])};
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
    const double oy = cy * scale_y + offset_y;
    const auto iy = static_cast<long>(std::floor(oy));
    std::uint8_t* d = out + static_cast<std::size_t>(y) * source_width;
    for (int x = 0; x < source_width; ++x) {
      const double cx = x + 0.5;
      const double ox = cx * scale_x + offset_x;
      const auto ix = static_cast<long>(std::floor(ox));
      const bool inside =
          row_visible && cx >= crop_x && cx < crop_x + crop_width && iy >= 0 && iy < height && ix >= 0 && ix < width;
      d[x] = inside ? mask[static_cast<std::size_t>(iy) * width + ix] : fill;
    }
  }
}

}  // namespace imgbatch
