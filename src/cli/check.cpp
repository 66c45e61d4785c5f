#include "cli/check.hpp"

#include "pipeline/assembly.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

namespace imgbatch::detail {

check_report check_dataset(const pipeline_spec& spec, int threads,
                           const std::function<void(std::size_t, std::size_t, std::size_t)>& progress) {
  check_report report;
  const pipeline_parts parts(spec, assembly_purpose::check);
  for (const auto& p : parts.data.index.problems)
    report.problems.push_back({0, p.file, p.entry, p.reason, "annotations", parts.data.source->identity(p.file)});
  // The samples the loader would load: those loader.quarantine lists are left out.
  report.quarantined = parts.quarantined.size();
  report.samples = parts.data.index.records.size() - report.quarantined;
  stage_counters counters;
  workspace_pool workspaces(parts.targets);
  thread_states threads_state;
  const stage_context ctx = parts.context(counters, workspaces, threads_state);

  const auto& records = parts.data.index.records;
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex mutex;
  std::vector<check_problem> found;
  std::exception_ptr failure;  // the first exception of any worker: the others stop, it is rethrown
  auto check_records = [&](bool reporter) {
    sample_slot slot;
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= records.size()) break;
      if (parts.quarantined.count(records[i].id)) {
        done.fetch_add(1);
        continue;
      }
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
  for (check_problem& p : found) p.id = parts.data.source->identity(p.file);
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.sample_id < b.sample_id; });
  report.problems.insert(report.problems.end(), found.begin(), found.end());
  return report;
}

}  // namespace imgbatch::detail
