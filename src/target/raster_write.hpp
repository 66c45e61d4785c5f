#pragma once

#include "transform/execute.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace imgbatch::detail {

/// Writes a one-channel result (flips folded in) into a height × width plane at its top-left corner,
/// converting each value with `convert`; the rest of the plane gets `fill`.
template <class S, class T, class Convert>
void write_plane(const exec_result& px, T* dst, int height, int width, T fill, Convert convert) {
  const image_view& v = px.view;
  const int h = v.height, w = v.width;
  for (int y = 0; y < h; ++y) {
    const S* row = reinterpret_cast<const S*>(v.row(px.fy ? h - 1 - y : y));
    T* d = dst + static_cast<std::size_t>(y) * width;
    if (px.fx)
      for (int x = 0; x < w; ++x) d[x] = convert(row[w - 1 - x]);
    else
      for (int x = 0; x < w; ++x) d[x] = convert(row[x]);
    std::fill(d + w, d + width, fill);
  }
  std::fill(dst + static_cast<std::size_t>(h) * width, dst + static_cast<std::size_t>(height) * width, fill);
}

}  // namespace imgbatch::detail
