#pragma once

#include <imgbatch/spec.hpp>

#include "collate/batch_layout.hpp"
#include "dataset/dataset.hpp"
#include "transform/plan.hpp"

#include <cstdint>

namespace imgbatch::detail {

/// The bytes one batch buffer takes for batches of `shape`: its tensors shaped by `layout`, measured
/// through an allocator that only counts (shaping writes no element), so nothing is allocated.
std::uint64_t batch_buffer_bytes(const batch_layout& layout, const batch_shape& shape);

/// loader.max_memory, or half of the machine's physical memory when it is unset.
std::uint64_t memory_limit(const loader_spec& loader);

/// Refuses (config_error at loader.max_memory, with the figures) a spec whose `prefetch_batches` batch
/// buffers would take more than memory_limit(), when every batch has a known size: batch.pad.to, or a
/// chain that ends at a fixed size. `max_boxes` is M of the box tensors (the most annotations of an
/// image, at most targets.boxes.max_boxes). Returns the bytes of one buffer (0: the size is not known
/// before the samples are read).
std::uint64_t check_memory(const pipeline_spec& spec, const batch_layout& layout, const op_chain& chain,
                           std::size_t max_boxes);

}  // namespace imgbatch::detail
