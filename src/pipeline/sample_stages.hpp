#pragma once

#include <imgbatch/spec.hpp>

#include "collate/batch_layout.hpp"
#include "dataset/dataset.hpp"
#include "decode/decode_options.hpp"
#include "pipeline/batch_buffer.hpp"
#include "pipeline/fault_log.hpp"
#include "pipeline/substitute.hpp"
#include "pipeline/thread_state.hpp"
#include "source/sample_source.hpp"
#include "target/target.hpp"
#include "transform/normalize.hpp"
#include "transform/plan.hpp"

#include <atomic>
#include <cstdint>
#include <optional>

namespace imgbatch::detail {

/// Worker-side counters (nanoseconds and counts), updated with relaxed atomics.
struct stage_counters {
  std::atomic<std::uint64_t> read_ns{0}, decode_ns{0}, augment_ns{0}, collate_ns{0};
  std::atomic<std::uint64_t> decoded_pixels{0};
  std::atomic<std::size_t> largest_file{0};  // capacity the file buffers grow to (read_file)
};

/// Everything a stage needs besides the slot: fixed for a pass, shared read-only by all workers.
struct stage_context {
  const dataset_index* index = nullptr;
  const sample_source* source = nullptr;
  const op_chain* chain = nullptr;
  const pixel_lut* lut = nullptr;
  const batch_layout* layout = nullptr;
  const target_set* targets = nullptr;
  decode_options decode;
  annotation_frame frame = annotation_frame::decoded;
  std::optional<pad_spec> pad;
  std::uint64_t seed = 0;
  std::uint64_t epoch = 0;
  stage_counters* counters = nullptr;
  workspace_pool* workspaces = nullptr;
  thread_states* threads = nullptr;
  // What a failure leads to (loader.on_error); a null fault log or pool: failures are only recorded in
  // the slot (imgbatch check).
  error_policy on_error = error_policy::fail;
  int substitute_attempts = 0;
  bool drop_last = false;
  const substitute_pool* substitutes = nullptr;
  fault_log* faults = nullptr;
  /// Records loader.quarantine names a file of: they fail unread (stage read); null for none.
  const std::unordered_map<std::uint64_t, listed_file>* quarantined = nullptr;
};

// Each stage records a failure in the slot instead of throwing, and does nothing for a failed slot.
/// Reads the image file and its header, checks the size the annotations declare, and plans the sample
/// (its boxes included). No pixel is decoded.
void stage_plan(const stage_context& ctx, sample_slot& s) noexcept;
/// Fixes the batch's shape once every sample is planned: padded size, M. Samples that cannot take it
/// fail; the result depends only on the plans, never on which sample finished first.
void shape_batch(const stage_context& ctx, batch_buffer& b) noexcept;
/// Decodes the image and every target's data; borrows the slot's workspace.
void stage_decode(const stage_context& ctx, sample_slot& s) noexcept;
/// Runs the plan and writes the sample into its slot of the batch; gives the workspace back.
void stage_augment(const stage_context& ctx, sample_slot& s) noexcept;
/// After a stage: a failed slot is reported to the fault log and, under on_error substitute with attempts
/// left, takes another sample; true when it did (plan it again: stage_plan before the batch's shape is
/// fixed, stage_replan after).
bool retry_sample(const stage_context& ctx, sample_slot& s) noexcept;
/// Plans a substitute taken after its batch's shape is fixed, and fails it (stage "batch") unless it fits
/// that shape: the same output size (within the padded size when padded) and no more boxes than the batch holds.
void stage_replan(const stage_context& ctx, sample_slot& s) noexcept;
/// Returns the slot's workspace to the pool, if it holds one.
void finish_sample(const stage_context& ctx, sample_slot& s) noexcept;
/// After the last sample: under on_error skip the failed samples are taken out (the batch is compacted,
/// or marked dropped), else the first failure becomes the batch's error (with every file its substitutes
/// tried); the targets then finish the batch (ragged boxes).
void finish_batch(const stage_context& ctx, batch_buffer& b) noexcept;

}  // namespace imgbatch::detail
