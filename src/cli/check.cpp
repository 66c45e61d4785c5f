#include "cli/check.hpp"

#include "collate/batch_layout.hpp"
#include "dataset/dataset.hpp"
#include "pipeline/fault_log.hpp"
#include "pipeline/sample_stages.hpp"
#include "target/target.hpp"
#include "transform/plan.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

namespace imgbatch::detail {

check_report check_dataset(const pipeline_spec& spec, int threads,
                           const std::function<void(std::size_t, std::size_t, std::size_t)>& progress) {
  check_report report;
  dataset_index index = build_index(spec, false);
  for (const auto& p : index.problems) report.problems.push_back({0, p.file, p.entry, p.reason, "annotations"});
  // The samples the loader would load: those loader.quarantine lists are left out.
  if (const auto q = quarantine_path(spec); !q.empty())
    report.quarantined = exclude_listed(index, read_quarantine(q), file_ids(spec));
  report.samples = index.records.size();
  const op_chain chain = make_chain(spec.transforms);
  const target_set targets = make_targets(spec);
  const batch_layout layout(spec, targets);
  stage_counters counters;
  workspace_pool workspaces(targets);
  thread_states threads_state;
  const stage_context ctx =
      make_stage_context(spec, index, chain, nullptr, layout, targets, counters, workspaces, threads_state);

  const auto& records = index.records;
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex mutex;
  std::vector<check_problem> found;
  std::exception_ptr failure;  // the first exception of any worker: the others stop, it is rethrown
  auto check_records = [&](bool reporter) {
    sample_slot slot;
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= records.size()) break;
      slot.record = &records[i];
      slot.position = i;
      slot.clear_failure();
      stage_plan(ctx, slot);
      stage_decode(ctx, slot);
      finish_sample(ctx, slot);
      if (slot.failed) {
        std::lock_guard lock(mutex);
        found.push_back({records[i].id, slot.error_file, "", slot.error_reason, stage_name(slot.stage)});
      }
      const std::size_t d = done.fetch_add(1) + 1;
      if (reporter && progress && (d % 16 == 0 || d == records.size())) {
        std::size_t bad;
        {
          std::lock_guard lock(mutex);
          bad = found.size();
        }
        progress(d, records.size(), bad);
      }
    }
  };
  auto work = [&](bool reporter) noexcept {
    try {
      check_records(reporter);
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!failure) failure = std::current_exception();
      next.store(records.size());
    }
  };
  {
    // jthreads join when this scope ends, also when starting one of them throws.
    std::vector<std::jthread> pool;
    try {
      for (int t = 1; t < std::max(1, threads); ++t) pool.emplace_back(work, false);
    } catch (...) {
      next.store(records.size());
      throw;
    }
    work(true);
  }
  if (failure) std::rethrow_exception(failure);
  if (progress) progress(records.size(), records.size(), found.size());
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.sample_id < b.sample_id; });
  report.problems.insert(report.problems.end(), found.begin(), found.end());
  return report;
}

}  // namespace imgbatch::detail
