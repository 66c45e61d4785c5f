#pragma once

#include <cstddef>

namespace imgbatch::detail {

/// While it lives, oneTBB may run `threads` workers besides the calling thread, which its default pool
/// (one fewer than the cores) would not allow when `threads` is the core count or more. All live
/// requests share one process-wide max_allowed_parallelism control set to the largest of them; the
/// last request to go removes it, so the host program's own setting is back as it was. A request that
/// the default pool already satisfies sets nothing (a control never lowers the host's parallelism).
class worker_threads_request {
 public:
  explicit worker_threads_request(int threads);
  ~worker_threads_request();
  worker_threads_request(const worker_threads_request&) = delete;
  worker_threads_request& operator=(const worker_threads_request&) = delete;

 private:
  std::size_t want_ = 0;  // 0: nothing requested
};

}  // namespace imgbatch::detail
