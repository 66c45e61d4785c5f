#include "cli/check.hpp"

#include "collate/batch_layout.hpp"
#include "dataset/dataset.hpp"
#include "pipeline/sample_stages.hpp"
#include "transform/plan.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace imgbatch::detail {

std::vector<check_problem> check_dataset(const pipeline_spec& spec, int threads,
                                         const std::function<void(std::size_t, std::size_t, std::size_t)>& progress) {
  const std::vector<sample_record> records = build_index(spec);
  const op_chain chain = make_chain(spec.transforms);
  const batch_layout layout(spec);
  stage_counters counters;
  workspace_pool workspaces;
  stage_context ctx;
  ctx.chain = &chain;
  ctx.layout = &layout;
  ctx.decode = spec.decode;
  ctx.seed = spec.sampler.seed;
  ctx.counters = &counters;
  ctx.workspaces = &workspaces;

  std::atomic<std::size_t> next{0}, done{0};
  std::mutex mutex;
  std::vector<check_problem> problems;
  auto work = [&](bool reporter) {
    sample_slot slot;
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= records.size()) break;
      slot.record = &records[i];
      slot.failed = false;
      stage_read(ctx, slot);
      stage_decode(ctx, slot);
      finish_sample(ctx, slot);
      if (slot.failed) {
        std::lock_guard lock(mutex);
        problems.push_back({records[i].id, slot.error_file, slot.error_reason});
      }
      const std::size_t d = done.fetch_add(1) + 1;
      if (reporter && progress && (d % 16 == 0 || d == records.size())) {
        std::size_t bad;
        {
          std::lock_guard lock(mutex);
          bad = problems.size();
        }
        progress(d, records.size(), bad);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, threads); ++t) pool.emplace_back(work, false);
  work(true);
  for (auto& t : pool) t.join();
  if (progress) progress(records.size(), records.size(), problems.size());
  std::sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) { return a.sample_id < b.sample_id; });
  return problems;
}

}  // namespace imgbatch::detail
