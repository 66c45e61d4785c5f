#pragma once

#include <imgbatch/batch.hpp>
#include <imgbatch/spec.hpp>

#include "transform/affine.hpp"
#include "transform/box_ops.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace imgbatch::detail {

/// One step with every random choice resolved: geometric (every target follows) or photometric (the
/// image only).
struct plan_step {
  enum kind_t { resize, crop, hflip, vflip, affine, color, grayscale, blur } kind;
  int out_h = 0, out_w = 0;                   ///< resize and crop: output size; blur: kernel size
  int y0 = 0, x0 = 0;                         ///< crop: origin in the input; negative or overhanging means padding
  std::array<std::uint8_t, 3> fill{0, 0, 0};  ///< crop: the image's padding colour (targets use their own)
  /// color: adjustments in the order they run (0 brightness, 1 contrast, 2 saturation, 3 hue; -1 ends),
  /// each with its factor (hue: its 8-bit shift).
  std::array<std::int8_t, 4> order{-1, -1, -1, -1};
  std::array<float, 4> factor{0, 0, 0, 0};
  std::uint8_t hue_shift = 0;
  double sigma = 0;                   ///< blur
  affine2d matrix{1, 0, 0, 0, 1, 0};  ///< affine: output → input coordinates
  bool nearest = false;               ///< affine: the image too is resampled by nearest
};

/// random_erasing's rectangle in the output frame, applied to the written tensor.
struct erase_box {
  int x = 0, y = 0, width = 0, height = 0;
  std::array<float, 3> value{0, 0, 0};  ///< output units
  bool random = false;                  ///< standard normal noise from `noise_key` instead of value
  std::uint64_t noise_key = 0;
};

/// What to do to one sample: decided from its header size (and its boxes), before any pixel is decoded.
struct sample_plan {
  int src_h = 0, src_w = 0;
  std::vector<plan_step> steps;
  int out_h = 0, out_w = 0;
  sample_geometry geometry;
  /// Where the source image lands in the output, (x1, y1, x2, y2) in output pixels (after a crop that
  /// pads and then a resize, its edges may fall between pixels).
  std::array<double, 4> footprint{0, 0, 0, 0};
  /// The output pixels whose centre lies inside the footprint (x1, y1, x2, y2): the rest is padding.
  std::array<int, 4> visible{0, 0, 0, 0};
  /// The sample's boxes, moved by every step and filtered (when the pipeline has boxes).
  box_set boxes;
  std::optional<erase_box> erase;
  /// After a random_affine the source's footprint is no rectangle: `valid` is then worked out per
  /// pixel by running the plan on a plane of ones.
  bool per_pixel_valid = false;
  /// Working storage of plan_sample (the footprint moved like a box), kept for its capacity.
  box_set footprint_work, back_work;
};

/// The op list after validation: the per-sample ops (geometric and photometric, random_erasing included),
/// and the final op that turns pixels into output values.
struct op_chain {
  std::vector<transform> ops;
  enum final_t { none, normalize, to_float } final_op = none;
  normalize_op norm;
  /// Output size when every sample ends at the same size (a fixed resize, letterbox or crop comes last).
  std::optional<size2> fixed_size;
};
op_chain make_chain(const std::vector<transform>& ops);

/// What makes one draw's random choices: they depend only on (seed, epoch, position of the draw in the
/// epoch's global order, op index), never on the sample's id, so a sample drawn twice differs.
struct draw_key {
  std::uint64_t seed = 0, epoch = 0, position = 0;
};

/// Resolves the ops for one sample of src_h × src_w. `out.boxes` holds the sample's boxes in the source
/// frame on entry (empty when the pipeline has none) and the moved, clipped boxes on return; boxes are
/// then filtered by `min_size` and `min_visibility`. Returns "" on success, else why the sample cannot
/// be planned (for example a random_crop larger than the image without pad_if_needed, or a resize whose
/// output would have more than `max_pixels` pixels, decode.max_pixels).
std::string plan_sample(const op_chain& chain, const draw_key& key, int src_h, int src_w, sample_plan& out,
                        double min_size = 0, double min_visibility = 0,
                        std::uint64_t max_pixels = decode_spec{}.max_pixels);

/// The source pixels (of the src_h × src_w frame the plan was made for) that running the plan reads:
/// the window of its first crop when only flips, greyscale and colour adjustments without contrast (each
/// reads one pixel alone) come before it, clipped to the image; otherwise the whole image. Decoding
/// only this region gives the same output (region decode, decoder.hpp).
pixel_rect source_region(const sample_plan& plan);

/// torchvision's output size for resize(shorter, max_longer); a longer side beyond an int saturates (the
/// planner then refuses the area).
size2 shorter_side_size(int h, int w, int shorter, int max_longer);

}  // namespace imgbatch::detail
