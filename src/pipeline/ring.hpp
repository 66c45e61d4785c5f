#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace imgbatch::detail {

/// Bounded blocking FIFO (after spdlog's mpmc_blocking_q) with close(): closing wakes every waiter,
/// so shutdown never leaves a thread blocked. Thread-safe.
template <class T>
class ring {
 public:
  explicit ring(std::size_t capacity) : capacity_(capacity) {}

  /// Blocks while full. Returns false (item dropped) once closed.
  bool push(T item) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  /// Blocks while empty. nullopt once closed and drained.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return readable(); });
    return take_front();
  }

  /// As pop(), waiting at most `timeout`: nullopt with `timed_out` set when nothing came in time.
  template <class Duration>
  std::optional<T> pop_for(Duration timeout, bool& timed_out) {
    std::unique_lock lock(mutex_);
    timed_out = !not_empty_.wait_for(lock, timeout, [&] { return readable(); });
    return take_front();
  }

  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  /// Reopens an empty, closed ring for the next pass; returns what was left in it.
  std::vector<T> reset() {
    std::lock_guard lock(mutex_);
    std::vector<T> left(std::make_move_iterator(items_.begin()), std::make_move_iterator(items_.end()));
    items_.clear();
    closed_ = false;
    return left;
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }

 private:
  bool readable() const { return closed_ || !items_.empty(); }
  // The front item, or nullopt when empty (closed); with the mutex held.
  std::optional<T> take_front() {
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace imgbatch::detail
