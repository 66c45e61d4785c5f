#pragma once

#include "decode/image.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace imgbatch::detail {

/// What one sample needs between reading its files and writing its slot: file bytes and decoded
/// pixels. Borrowed at read, returned after augment, so decoded images cost memory per sample in
/// flight (about one per worker thread), not per batch slot.
struct sample_workspace {
  std::vector<std::uint8_t> image_bytes, mask_bytes;
  image pixels, mask;
};

/// A free list of workspaces that grows to the concurrency it meets and keeps their buffers warm.
/// Thread-safe.
class workspace_pool {
 public:
  std::unique_ptr<sample_workspace> acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        auto w = std::move(free_.back());
        free_.pop_back();
        return w;
      }
      ++created_;
    }
    return std::make_unique<sample_workspace>();
  }
  void release(std::unique_ptr<sample_workspace> w) {
    if (!w) return;
    std::lock_guard lock(mutex_);
    free_.push_back(std::move(w));
  }
  /// Workspaces made so far: the peak number of samples that were between read and augment at once.
  std::size_t created() const {
    std::lock_guard lock(mutex_);
    return created_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<sample_workspace>> free_;
  std::size_t created_ = 0;
};

}  // namespace imgbatch::detail
