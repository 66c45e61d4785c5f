#pragma once

#include <imgbatch/spec.hpp>

#include "collate/batch_layout.hpp"
#include "dataset/dataset.hpp"
#include "pipeline/fault_log.hpp"
#include "pipeline/sample_stages.hpp"
#include "target/target.hpp"
#include "transform/normalize.hpp"
#include "transform/plan.hpp"

#include <cstdint>
#include <unordered_map>

namespace imgbatch::detail {

/// What the parts are assembled for: a loader refuses a dataset with problems (and one whose every
/// sample the quarantine lists); `imgbatch check` reports them.
enum class assembly_purpose : std::uint8_t { load, check };

/// Everything a pipeline is made of before a thread runs: the dataset (index and source), what
/// loader.quarantine lists and the records it names, the op chain and its pixel table, the targets and
/// the batch layout. The loader and `imgbatch check` assemble them here, the same way, so a new source
/// or target is wired once. Not movable: the layout and the stage context point into it; `spec` must
/// outlive it.
class pipeline_parts {
 public:
  pipeline_parts(const pipeline_spec& spec, assembly_purpose purpose);
  pipeline_parts(const pipeline_parts&) = delete;
  pipeline_parts& operator=(const pipeline_parts&) = delete;

  /// The context the sample stages run with, for `epoch` 0; the caller adds what only a loader has
  /// (substitutes, fault log, epoch).
  stage_context context(stage_counters& counters, workspace_pool& workspaces, thread_states& threads) const;

  const pipeline_spec& spec;
  dataset data;
  quarantine_entries listed;  ///< what loader.quarantine lists (empty when unset)
  /// The records it names a file of: each keeps its place and fails unread in its turn.
  std::unordered_map<std::uint64_t, listed_file> quarantined;
  op_chain chain;
  pixel_lut lut;
  target_set targets;
  batch_layout layout;
};

}  // namespace imgbatch::detail
