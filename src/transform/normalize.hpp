#pragma once

#include "transform/plan.hpp"

#include <array>

namespace imgbatch::detail {

/// The final photometric op as a table per channel: value[c][pixel]. Computed in float32 exactly as
/// torchvision does ((v / 255 - mean) / std), so results match it bit for bit.
struct pixel_lut {
  std::array<std::array<float, 256>, 3> value{};
};

/// Table for the chain's final op; identity (v as float) when the chain has none.
pixel_lut make_lut(const op_chain& chain);

}  // namespace imgbatch::detail
