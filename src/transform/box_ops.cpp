#include "transform/box_ops.hpp"

#include <algorithm>
#include <cmath>

namespace imgbatch::detail {

namespace {
// Clips the (visible) boxes to a w × h frame and drops those left empty; `full` keeps the unclipped box.
void clip_to_frame(box_set& b, double w, double h) {
  for (auto& r : b.box) {
    r[0] = std::clamp(r[0], 0.0, w);
    r[2] = std::clamp(r[2], 0.0, w);
    r[1] = std::clamp(r[1], 0.0, h);
    r[3] = std::clamp(r[3], 0.0, h);
  }
  b.keep_if([&](std::size_t i) { return b.box[i][2] > b.box[i][0] && b.box[i][3] > b.box[i][1]; });
}
}  // namespace

void boxes_scale(box_set& b, double kx, double ky) {
  for (auto* v : {&b.box, &b.full})
    for (auto& r : *v) {
      r[0] *= kx;
      r[2] *= kx;
      r[1] *= ky;
      r[3] *= ky;
    }
}

void boxes_crop(box_set& b, double x0, double y0, double w, double h) {
  for (auto* v : {&b.box, &b.full})
    for (auto& r : *v) {
      r[0] -= x0;
      r[2] -= x0;
      r[1] -= y0;
      r[3] -= y0;
    }
  clip_to_frame(b, w, h);
}

void boxes_hflip(box_set& b, double w) {
  for (auto* v : {&b.box, &b.full})
    for (auto& r : *v) {
      const double x1 = w - r[2], x2 = w - r[0];
      r[0] = x1;
      r[2] = x2;
    }
}

void boxes_vflip(box_set& b, double h) {
  for (auto* v : {&b.box, &b.full})
    for (auto& r : *v) {
      const double y1 = h - r[3], y2 = h - r[1];
      r[1] = y1;
      r[3] = y2;
    }
}

namespace {
std::array<double, 4> enclosing(const affine2d& m, const std::array<double, 4>& r) {
  std::array<double, 4> e{INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (double x : {r[0], r[2]})
    for (double y : {r[1], r[3]}) {
      const auto p = affine_apply(m, x, y);
      e = {std::min(e[0], p[0]), std::min(e[1], p[1]), std::max(e[2], p[0]), std::max(e[3], p[1])};
    }
  return e;
}
}  // namespace

void boxes_affine(box_set& b, const affine2d& m, double w, double h) {
  for (auto* v : {&b.box, &b.full})
    for (auto& r : *v) r = enclosing(m, r);
  clip_to_frame(b, w, h);
}

void boxes_filter(box_set& b, double min_size, double min_visibility) {
  b.keep_if([&](std::size_t i) {
    const auto& r = b.box[i];
    const double w = r[2] - r[0], h = r[3] - r[1];
    if (!(w > 0 && h > 0) || w < min_size || h < min_size) return false;
    if (min_visibility > 0) {
      const auto& f = b.full[i];
      const double full_area = (f[2] - f[0]) * (f[3] - f[1]);
      if (full_area > 0 && w * h < min_visibility * full_area) return false;
    }
    return true;
  });
}

std::array<double, 2> orient_point(int o, double w, double h, double x, double y) noexcept {
  switch (o) {
    case 2:
      return {w - x, y};
    case 3:
      return {w - x, h - y};
    case 4:
      return {x, h - y};
    case 5:
      return {y, x};
    case 6:
      return {h - y, x};
    case 7:
      return {h - y, w - x};
    case 8:
      return {y, w - x};
    default:
      return {x, y};
  }
}

std::array<double, 2> unorient_point(int o, double w, double h, double x, double y) noexcept {
  // The inverse of orientation o is o itself but for the two quarter turns (6 and 8), applied to the
  // oriented frame, whose sides are swapped for 5..8.
  const int inverse = o == 6 ? 8 : o == 8 ? 6 : o;
  return o >= 5 ? orient_point(inverse, h, w, x, y) : orient_point(inverse, w, h, x, y);
}

std::array<double, 4> orient_box(int o, double w, double h, const std::array<double, 4>& b) noexcept {
  const auto p = orient_point(o, w, h, b[0], b[1]), q = orient_point(o, w, h, b[2], b[3]);
  return {std::min(p[0], q[0]), std::min(p[1], q[1]), std::max(p[0], q[0]), std::max(p[1], q[1])};
}

double box_iou(const std::array<double, 4>& a, const std::array<double, 4>& b) noexcept {
  const double iw = std::min(a[2], b[2]) - std::max(a[0], b[0]), ih = std::min(a[3], b[3]) - std::max(a[1], b[1]);
  const double inter = iw > 0 && ih > 0 ? iw * ih : 0.0;
  const double uni = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return uni > 0 ? inter / uni : 0.0;
}

}  // namespace imgbatch::detail
