#include "pipeline/assembly.hpp"

#include <imgbatch/error.hpp>

#include "util/log.hpp"

namespace imgbatch::detail {
namespace {

quarantine_entries listed_in_quarantine(const pipeline_spec& spec) {
  const auto q = quarantine_path(spec);
  return q.empty() ? quarantine_entries{} : read_quarantine(q);
}

// The records whose file the quarantine lists: each keeps its place in the index (so the index, its hash
// and the epoch's batches are those of the run that wrote the quarantine) and fails unread when its turn
// comes, handled by on_error.
std::unordered_map<std::uint64_t, listed_file> quarantined_records(const pipeline_spec& spec, const dataset& data,
                                                                   const quarantine_entries& listed,
                                                                   assembly_purpose purpose) {
  auto found = find_listed(data, listed);
  if (found.empty() || purpose == assembly_purpose::check) return found;
  const std::string q = quarantine_path(spec).string();
  log().info("dataset: {} samples are listed in {}: each fails unread in its turn (loader.on_error)", found.size(), q);
  if (found.size() == data.index.records.size())
    throw dataset_error("the dataset has no sample left to load: " + q + " lists a file of every one");
  return found;
}

}  // namespace

pipeline_parts::pipeline_parts(const pipeline_spec& s, assembly_purpose purpose)
    : spec(s),
      data(open_dataset(s, purpose == assembly_purpose::load)),
      listed(listed_in_quarantine(s)),
      quarantined(quarantined_records(s, data, listed, purpose)),
      chain(make_chain(s.transforms)),
      lut(make_lut(chain)),
      targets(make_targets(s)),
      layout(s, targets) {}

stage_context pipeline_parts::context(stage_counters& counters, workspace_pool& workspaces,
                                      thread_states& threads) const {
  stage_context ctx;
  ctx.index = &data.index;
  ctx.source = data.source.get();
  ctx.chain = &chain;
  ctx.lut = &lut;
  ctx.layout = &layout;
  ctx.targets = &targets;
  ctx.decode = spec.decode;
  ctx.frame = spec.dataset.frame;
  ctx.pad = spec.batch.pad;
  ctx.seed = spec.sampler.seed;
  ctx.counters = &counters;
  ctx.workspaces = &workspaces;
  ctx.threads = &threads;
  ctx.on_error = spec.loader.on_error;
  ctx.substitute_attempts = spec.loader.substitute_attempts;
  ctx.drop_last = spec.sampler.drop_last;
  ctx.quarantined = &quarantined;
  return ctx;
}

}  // namespace imgbatch::detail
