#pragma once

#include "transform/affine.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace imgbatch::detail {

/// One sample's boxes on their way through the plan, in the current frame's pixels (x1, y1, x2, y2).
/// `box` is clipped to every crop so far; `full` is the same box never clipped, so the visible
/// fraction is area(box) / area(full). `source` is the annotation each box came from, so labels,
/// flags and instance masks follow their boxes.
struct box_set {
  std::vector<std::array<double, 4>> box, full;
  std::vector<std::uint32_t> source;

  std::size_t size() const noexcept { return box.size(); }
  void clear() noexcept {
    box.clear();
    full.clear();
    source.clear();
  }
  void push(const std::array<double, 4>& b, std::uint32_t src) {
    box.push_back(b);
    full.push_back(b);
    source.push_back(src);
  }
  /// Keeps the boxes for which keep(i) is true, in order.
  template <class Pred>
  void keep_if(Pred keep) {
    std::size_t o = 0;
    for (std::size_t i = 0; i < box.size(); ++i) {
      if (!keep(i)) continue;
      box[o] = box[i];
      full[o] = full[i];
      source[o] = source[i];
      ++o;
    }
    box.resize(o);
    full.resize(o);
    source.resize(o);
  }
};

/// Scales every coordinate: x by kx, y by ky (a resize).
void boxes_scale(box_set& b, double kx, double ky);
/// A crop window (x0, y0, w, h) of the current frame becomes the frame: shift, clip to it, and drop the
/// boxes left empty.
void boxes_crop(box_set& b, double x0, double y0, double w, double h);
/// Mirrors in a frame `w` wide (hflip) or `h` high (vflip).
void boxes_hflip(box_set& b, double w);
void boxes_vflip(box_set& b, double h);
/// Maps every box by `m` to the box enclosing its four mapped corners (`full` too), clips to a w × h
/// frame and drops the boxes left empty (random_affine).
void boxes_affine(box_set& b, const affine2d& m, double w, double h);
/// Drops boxes narrower or lower than `min_size`, or with less than `min_visibility` of their area left.
void boxes_filter(box_set& b, double min_size, double min_visibility);

/// A point of the stored pixel grid (width × height as stored) in the frame after EXIF orientation
/// `o` (1..8, as Pillow's exif_transpose), and back.
std::array<double, 2> orient_point(int o, double width, double height, double x, double y) noexcept;
std::array<double, 2> unorient_point(int o, double width, double height, double x, double y) noexcept;
/// The box enclosing the oriented corners of a stored-frame box.
std::array<double, 4> orient_box(int o, double width, double height, const std::array<double, 4>& b) noexcept;

/// Intersection over union of two boxes (x1, y1, x2, y2), 0 when both are empty.
double box_iou(const std::array<double, 4>& a, const std::array<double, 4>& b) noexcept;

}  // namespace imgbatch::detail
