#include "transform/normalize.hpp"

namespace imgbatch::detail {

pixel_lut make_lut(const op_chain& chain) {
  pixel_lut lut;
  for (int c = 0; c < 3; ++c) {
    for (int v = 0; v < 256; ++v) {
      const float x = static_cast<float>(v) / 255.0f;
      float r;
      switch (chain.final_op) {
        case op_chain::normalize:
          r = (x - chain.norm.mean[c]) / chain.norm.std[c];
          break;
        case op_chain::to_float:
          r = x;
          break;
        default:
          r = static_cast<float>(v);
          break;
      }
      lut.value[c][v] = r;
    }
  }
  return lut;
}

}  // namespace imgbatch::detail
