#pragma once

#include "decode/image.hpp"
#include "transform/plan.hpp"
#include "transform/resize.hpp"
#include "transform/view.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace imgbatch::detail {

/// A last padding crop left to the final write (see exec_result::canvas).
struct exec_canvas {
  int height = 0, width = 0;  ///< the plan's output size
  int top = 0, left = 0;      ///< where the view sits in it (before the flips fx, fy)
  std::array<std::uint8_t, 3> fill{0, 0, 0};
};

/// Per-thread buffers for running plans; they keep their capacity.
struct exec_scratch {
  image buf[2];
  resize_scratch resize;
  std::vector<int> xmap;
  std::vector<float> blur;
  image ones;                    // per-pixel `valid` after random_affine
  std::vector<plan_step> steps;  // the plan's steps as run (flips moved later)
  std::array<std::uint8_t, 256> tone{};
  exec_canvas canvas;
};

/// The pixels after every geometric step, except flips after the last resize/crop, which are left for
/// the final write to fold in (fx, fy) at no cost, and a last brightness/contrast step followed only by
/// crops and flips, left as `tone`: a table the write applies to every channel value. For images
/// (bilinear) only, a last padding crop may be left as `canvas`.
struct exec_result {
  image_view view;
  bool fx = false, fy = false;
  const std::array<std::uint8_t, 256>* tone = nullptr;
  /// A last crop that pads (letterbox, pad_if_needed), followed by flips at most, left to the write:
  /// the view is the part of the image inside it.
  const exec_canvas* canvas = nullptr;
};

/// bilinear: 8-bit images (Pillow BILINEAR); nearest: masks and depth; valid_average: float depth with
/// NaN holes (resize_valid_average), every other step as nearest.
enum class resample { bilinear, nearest, valid_average };

/// Runs a plan's steps on `src`. Images use bilinear and take the photometric steps; masks and depth
/// (nearest, valid_average) skip those. Padding uses `fill`
/// (one pixel's bytes), or, when null, each crop step's own fill (the image's letterbox colour). The result may view
/// `src` (crops are views) or scratch.
exec_result run_plan(const sample_plan& plan, const image_view& src, resample mode, const std::uint8_t* fill,
                     exec_scratch& scratch);

}  // namespace imgbatch::detail
