#pragma once

#include <imgbatch/spec.hpp>

#include "collate/batch_layout.hpp"
#include "decode/decode_options.hpp"
#include "pipeline/batch_buffer.hpp"
#include "transform/normalize.hpp"
#include "transform/plan.hpp"

#include <atomic>
#include <cstdint>

namespace imgbatch::detail {

/// Worker-side counters (nanoseconds and counts), updated with relaxed atomics.
struct stage_counters {
  std::atomic<std::uint64_t> read_ns{0}, decode_ns{0}, augment_ns{0}, collate_ns{0};
  std::atomic<std::uint64_t> decoded_pixels{0};
};

/// Everything a stage needs besides the slot: fixed for a pass, shared read-only by all workers.
struct stage_context {
  const op_chain* chain = nullptr;
  const pixel_lut* lut = nullptr;
  const batch_layout* layout = nullptr;
  decode_options decode;
  std::uint64_t seed = 0;
  std::uint64_t epoch = 0;
  stage_counters* counters = nullptr;
  workspace_pool* workspaces = nullptr;
};

// Each stage records a failure in the slot instead of throwing, and does nothing for a failed slot.
// stage_read borrows the slot's workspace; stage_augment (or finish_sample, for a slot that stops
// early) gives it back.
void stage_read(const stage_context& ctx, sample_slot& s) noexcept;
void stage_decode(const stage_context& ctx, sample_slot& s) noexcept;
void stage_augment(const stage_context& ctx, sample_slot& s) noexcept;
/// Returns the slot's workspace to the pool, if it holds one.
void finish_sample(const stage_context& ctx, sample_slot& s) noexcept;

/// Checks that every mask value is a class id or the ignore index; returns the problem or "".
std::string check_mask_values(const image& mask, const mask_target& target);

}  // namespace imgbatch::detail
