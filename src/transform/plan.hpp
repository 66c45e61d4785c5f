#pragma once

#include <imgbatch/batch.hpp>
#include <imgbatch/spec.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace imgbatch::detail {

/// One geometric step with every random choice resolved.
struct geo_step {
  enum kind_t { resize, crop, hflip, vflip } kind;
  int out_h = 0, out_w = 0;  ///< resize and crop: output size
  int y0 = 0, x0 = 0;        ///< crop: origin in the input; negative or overhanging means padding
};

/// What to do to one sample: decided from its header size, before any pixel is decoded.
struct sample_plan {
  int src_h = 0, src_w = 0;
  std::vector<geo_step> steps;
  int out_h = 0, out_w = 0;
  sample_geometry geometry;
};

/// The op list after validation, split into its geometric part and the final photometric op.
struct op_chain {
  std::vector<transform> ops;
  enum final_t { none, normalize, to_float } final_op = none;
  normalize_op norm;
  /// Output size when every sample ends at the same size (a fixed resize or crop comes last).
  std::optional<size2> fixed_size;
};
op_chain make_chain(const std::vector<transform>& ops);

/// Resolves the ops for one sample. Random draws depend only on (seed, epoch, sample id, op index).
/// Returns an empty string on success, else the reason the sample cannot be planned
/// (for example a random_crop larger than the image without pad_if_needed).
std::string plan_sample(const op_chain& chain, std::uint64_t seed, std::uint64_t epoch, std::uint64_t sample_id,
                        int src_h, int src_w, sample_plan& out);

/// torchvision's output size for resize(shorter, max_longer).
size2 shorter_side_size(int h, int w, int shorter, int max_longer);

}  // namespace imgbatch::detail
