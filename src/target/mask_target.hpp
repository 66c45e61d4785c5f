#pragma once

#include "decode/image.hpp"
#include "target/target.hpp"

#include <string>

namespace imgbatch::detail {

/// `mask`: N×H×W class ids (or N×C×H×W one-hot). Padding is ignore_index (all zero in one-hot).
class mask_target_kind final : public target {
 public:
  explicit mask_target_kind(const pipeline_spec& spec);
  std::string_view name() const noexcept override { return "mask"; }
  void add_tensors(batch_data& b) const override;
  std::unique_ptr<target_scratch> make_scratch() const override;
  const std::string* file(const sample_record& r) const override;
  void shape(batch_data& b, const batch_shape& s) const override;
  void decode(const sample_view& s, target_scratch* scratch, decoder& dec, int image_height,
              int image_width) const override;
  void write(const sample_view& s, target_scratch* scratch, exec_scratch& ex, batch_data& b, std::size_t slot,
             const batch_shape& shape) const override;

 private:
  mask_target spec_;
  dtype type_;
  bool from_annotations_;  // COCO: painted from segmentations instead of read from a file
};

/// Checks that every mask value (of rows [0, rows), all when rows < 0) is a class id or the ignore
/// index; returns the problem or "".
std::string check_mask_values(const image& mask, const mask_target& target, int rows = -1);

}  // namespace imgbatch::detail
