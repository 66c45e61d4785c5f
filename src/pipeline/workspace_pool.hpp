#pragma once

#include "decode/image.hpp"
#include "target/target.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace imgbatch::detail {

/// What one sample needs while it is decoded and written: the decoded image and each target's
/// scratch. Borrowed at decode, returned after the write, so decoded pixels cost memory per sample in
/// flight (about one per worker thread), not per batch slot.
struct sample_workspace {
  image pixels;
  std::vector<std::unique_ptr<target_scratch>> targets;  // by position in the target set
};

/// A free list of workspaces that grows to the concurrency it meets and keeps their buffers warm.
/// Thread-safe.
class workspace_pool {
 public:
  explicit workspace_pool(const target_set& targets) : targets_(&targets) {}

  /// A free workspace, or a new one (may throw std::bad_alloc; then nothing changed).
  std::unique_ptr<sample_workspace> acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        auto w = std::move(free_.back());
        free_.pop_back();
        return w;
      }
    }
    auto w = std::make_unique<sample_workspace>();
    for (const auto& t : targets_->list) w->targets.push_back(t->make_scratch());
    std::lock_guard lock(mutex_);
    // Room on the free list for every workspace there is, so that release() never allocates.
    free_.reserve(created_ + 1);
    ++created_;
    return w;
  }
  /// Puts a workspace back on the free list. Allocates nothing (acquire reserved the room), so a stage
  /// may call it from a noexcept path.
  void release(std::unique_ptr<sample_workspace> w) noexcept {
    if (!w) return;
    std::lock_guard lock(mutex_);
    free_.push_back(std::move(w));
  }
  /// Workspaces made so far: the peak number of samples that were between decode and write at once.
  std::size_t created() const {
    std::lock_guard lock(mutex_);
    return created_;
  }

 private:
  const target_set* targets_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<sample_workspace>> free_;
  std::size_t created_ = 0;
};

}  // namespace imgbatch::detail
