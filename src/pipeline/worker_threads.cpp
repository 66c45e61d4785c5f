#include "pipeline/worker_threads.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#include <memory>
#include <mutex>
#include <set>

namespace imgbatch::detail {
namespace {

struct registry {
  std::mutex mutex;
  std::multiset<std::size_t> wants;
  std::unique_ptr<oneapi::tbb::global_control> control;
  std::size_t value = 0;

  // Makes the control hold the largest live want (or removes it). The smallest live control wins, so a
  // new value is put in place before the old one goes.
  void update() {
    const std::size_t want = wants.empty() ? 0 : *wants.rbegin();
    if (want == value) return;
    std::unique_ptr<oneapi::tbb::global_control> next;
    if (want)
      next = std::make_unique<oneapi::tbb::global_control>(oneapi::tbb::global_control::max_allowed_parallelism, want);
    control = std::move(next);
    value = want;
  }
};

registry& the_registry() {
  static registry r;  // outlives every loader of the process
  return r;
}

}  // namespace

worker_threads_request::worker_threads_request(int threads) {
  const std::size_t want = static_cast<std::size_t>(threads) + 1;
  if (want <= static_cast<std::size_t>(oneapi::tbb::info::default_concurrency())) return;
  registry& r = the_registry();
  std::lock_guard lock(r.mutex);
  r.wants.insert(want);
  r.update();
  want_ = want;
}

worker_threads_request::~worker_threads_request() {
  if (!want_) return;
  registry& r = the_registry();
  std::lock_guard lock(r.mutex);
  r.wants.erase(r.wants.find(want_));
  r.update();
}

}  // namespace imgbatch::detail
