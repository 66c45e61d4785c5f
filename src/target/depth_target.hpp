#pragma once

#include "target/target.hpp"

namespace imgbatch::detail {

/// `depth`: N×1×H×W float32 metres (stored / scale); unmeasured pixels (stored == invalid) and padding 0.
class depth_target_kind final : public target {
 public:
  explicit depth_target_kind(const depth_target& spec) : spec_(spec) {}
  std::string_view name() const noexcept override { return "depth"; }
  void add_tensors(batch_data& b) const override;
  std::unique_ptr<target_scratch> make_scratch() const override;
  const std::string* file(const sample_record& r) const override;
  void shape(batch_data& b, const batch_shape& s) const override;
  void decode(const sample_view& s, target_scratch* scratch, decoder& dec, int image_height,
              int image_width) const override;
  void write(const sample_view& s, target_scratch* scratch, exec_scratch& ex, batch_data& b, std::size_t slot,
             const batch_shape& shape) const override;

 private:
  depth_target spec_;
};

}  // namespace imgbatch::detail
