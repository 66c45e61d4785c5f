#pragma once

#include "target/target.hpp"

#include <atomic>
#include <cstdint>

namespace imgbatch::detail {

/// `boxes` N×M×4 float32, `labels` N×M int32 (-1 padded), `box_count` N int32, `box_flags` N×M uint8,
/// plus the ragged view. Boxes are moved while planning; this writes them in the chosen format.
class boxes_target_kind final : public target {
 public:
  explicit boxes_target_kind(const boxes_target& spec) : spec_(spec) {}
  std::string_view name() const noexcept override { return "boxes"; }
  void add_tensors(batch_data& b) const override;
  std::size_t box_count(const sample_view& s) const override;
  void shape(batch_data& b, const batch_shape& s) const override;
  void write(const sample_view& s, target_scratch* scratch, exec_scratch& ex, batch_data& b, std::size_t slot,
             const batch_shape& shape) const override;
  void finish(batch_data& b, const batch_shape& shape) const override;
  /// Boxes dropped so far because a sample had more than max_boxes.
  std::uint64_t truncated() const noexcept { return truncated_.load(std::memory_order_relaxed); }

 private:
  boxes_target spec_;
  mutable std::atomic<std::uint64_t> truncated_{0};
};

}  // namespace imgbatch::detail
