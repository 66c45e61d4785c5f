#include "dataset/rle.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace imgbatch::detail {

std::string rle_from_string(std::string_view s, std::vector<std::uint32_t>& counts) {
  counts.clear();
  std::size_t p = 0;
  while (p < s.size()) {
    std::int64_t x = 0;
    int k = 0;
    bool more = true;
    while (more) {
      if (p >= s.size()) return "ends inside a number";
      const int c = static_cast<int>(static_cast<unsigned char>(s[p])) - 48;
      if (c < 0 || c > 63) return "character '" + std::string(1, s[p]) + "' is not in the RLE alphabet";
      if (k > 11) return "a number is too long";
      x |= static_cast<std::int64_t>(c & 0x1f) << (5 * k);
      more = (c & 0x20) != 0;
      ++p;
      ++k;
      if (!more && (c & 0x10)) x |= -(std::int64_t{1} << (5 * k));  // sign extension, as maskApi.c
    }
    if (counts.size() > 2) x += counts[counts.size() - 2];
    if (x < 0 || x > 0xffffffffll) return "a run length is negative";
    counts.push_back(static_cast<std::uint32_t>(x));
  }
  return {};
}

void rle_from_polygon(const double* xy, std::size_t k, int height, int width, std::vector<std::uint32_t>& counts) {
  // A transcription of maskApi.c's rleFrPoly: same integer and double arithmetic, same order.
  const double scale = 5;
  const auto h = static_cast<std::uint32_t>(height), w = static_cast<std::uint32_t>(width);
  // One step beyond maskApi.c: points are first clamped to four image sizes around the image (the index
  // refuses points beyond one), so no cast to int overflows (undefined) and no edge is longer than a few
  // image sizes (maskApi.c's cost grows with the edges' length). Polygons inside the bound are unchanged.
  const double bound = 4.0 * (std::max(height, width) + 1);
  auto clamped = [&](double v) { return std::isnan(v) ? 0.0 : std::clamp(v, -bound, bound); };
  std::vector<int> x(k + 1), y(k + 1);
  for (std::size_t j = 0; j < k; ++j) x[j] = static_cast<int>(scale * clamped(xy[j * 2 + 0]) + .5);
  x[k] = x[0];
  for (std::size_t j = 0; j < k; ++j) y[j] = static_cast<int>(scale * clamped(xy[j * 2 + 1]) + .5);
  y[k] = y[0];
  std::size_t m = 0;
  for (std::size_t j = 0; j < k; ++j)
    m += static_cast<std::size_t>(std::max(std::abs(x[j] - x[j + 1]), std::abs(y[j] - y[j + 1]))) + 1;
  std::vector<int> u(m), v(m);
  m = 0;
  for (std::size_t j = 0; j < k; ++j) {
    int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
    const int dx = std::abs(xe - xs), dy = std::abs(ys - ye);
    const bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      std::swap(xs, xe);
      std::swap(ys, ye);
    }
    const double s = dx >= dy ? static_cast<double>(ye - ys) / dx : static_cast<double>(xe - xs) / dy;
    if (dx >= dy) {
      for (int d = 0; d <= dx; ++d) {
        const int t = flip ? dx - d : d;
        u[m] = t + xs;
        v[m] = static_cast<int>(ys + s * t + .5);
        ++m;
      }
    } else {
      for (int d = 0; d <= dy; ++d) {
        const int t = flip ? dy - d : d;
        v[m] = t + ys;
        u[m] = static_cast<int>(xs + s * t + .5);
        ++m;
      }
    }
  }
  // Points along the y-boundary, downsampled.
  const std::size_t n = m;
  std::vector<std::uint32_t> a;
  a.reserve(n + 1);
  for (std::size_t j = 1; j < n; ++j) {
    if (u[j] == u[j - 1]) continue;
    double xd = static_cast<double>(u[j] < u[j - 1] ? u[j] : u[j] - 1);
    xd = (xd + .5) / scale - .5;
    if (std::floor(xd) != xd || xd < 0 || xd > static_cast<double>(w) - 1) continue;
    double yd = static_cast<double>(v[j] < v[j - 1] ? v[j] : v[j - 1]);
    yd = (yd + .5) / scale - .5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = std::ceil(yd);
    a.push_back(static_cast<std::uint32_t>(static_cast<int>(xd) * static_cast<int>(h) + static_cast<int>(yd)));
  }
  a.push_back(h * w);
  std::sort(a.begin(), a.end());
  std::uint32_t prev = 0;
  for (auto& e : a) {
    const std::uint32_t t = e;
    e -= prev;
    prev = t;
  }
  counts.clear();
  std::size_t j = 0;
  counts.push_back(a[j++]);
  while (j < a.size()) {
    if (a[j] > 0) {
      counts.push_back(a[j++]);
    } else {
      ++j;
      if (j < a.size()) counts.back() += a[j++];
    }
  }
}

void rle_paint(const std::vector<std::uint32_t>& counts, int height, int width, std::uint8_t value,
               std::uint8_t* raster) {
  const auto h = static_cast<std::uint64_t>(height), total = h * static_cast<std::uint64_t>(width);
  std::uint64_t pos = 0;
  for (std::size_t i = 0; i < counts.size() && pos < total; ++i) {
    const std::uint64_t end = std::min(total, pos + counts[i]);
    if (i % 2) {
      // A run walks down columns: split it where it wraps to the next column.
      for (std::uint64_t p = pos; p < end;) {
        const std::uint64_t x = p / h, y = p % h, n = std::min(end - p, h - y);
        std::uint8_t* d = raster + y * static_cast<std::uint64_t>(width) + x;
        for (std::uint64_t r = 0; r < n; ++r) d[r * static_cast<std::uint64_t>(width)] = value;
        p += n;
      }
    }
    pos = end;
  }
}

}  // namespace imgbatch::detail

#include "dataset/dataset.hpp"

namespace imgbatch::detail {

void paint_segmentation(const segmentation& s, int height, int width, std::uint8_t value, std::uint8_t* raster,
                        std::vector<std::uint32_t>& counts) {
  if (s.is_rle()) {
    rle_paint(s.rle_counts, height, width, value, raster);
    return;
  }
  for (const auto& ring : s.polygons) {
    if (ring.size() < 2) continue;
    rle_from_polygon(ring.data(), ring.size() / 2, height, width, counts);
    rle_paint(counts, height, width, value, raster);
  }
}

}  // namespace imgbatch::detail
