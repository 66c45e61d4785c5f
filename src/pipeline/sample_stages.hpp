#pragma once

#include <imgbatch/spec.hpp>

#include "collate/batch_layout.hpp"
#include "dataset/dataset.hpp"
#include "decode/decode_options.hpp"
#include "pipeline/batch_buffer.hpp"
#include "pipeline/thread_state.hpp"
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
};

/// Fills a stage context from the spec and the loader's long-lived parts.
stage_context make_stage_context(const pipeline_spec& spec, const dataset_index& index, const op_chain& chain,
                                 const pixel_lut* lut, const batch_layout& layout, const target_set& targets,
                                 stage_counters& counters, workspace_pool& workspaces, thread_states& threads);

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
/// Returns the slot's workspace to the pool, if it holds one.
void finish_sample(const stage_context& ctx, sample_slot& s) noexcept;
/// After the last sample: the targets finish the batch (ragged boxes), the first failure becomes its error.
void finish_batch(const stage_context& ctx, batch_buffer& b) noexcept;

}  // namespace imgbatch::detail
