#pragma once

#include <imgbatch/batch.hpp>

#include "dataset/dataset.hpp"
#include "decode/decode_options.hpp"
#include "pipeline/workspace_pool.hpp"
#include "target/target.hpp"
#include "transform/plan.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace imgbatch::detail {

struct batch_buffer;

/// Where in the pipeline a sample failed (sample_error::stage()).
enum class sample_stage : std::uint8_t { read, annotations, plan, batch, decode, augment };
constexpr const char* stage_name(sample_stage s) noexcept {
  switch (s) {
    case sample_stage::read:
      return "read";
    case sample_stage::annotations:
      return "annotations";
    case sample_stage::plan:
      return "plan";
    case sample_stage::batch:
      return "batch";
    case sample_stage::decode:
      return "decode";
    case sample_stage::augment:
      return "augment";
  }
  return "";
}

/// A sample that failed: which file, where and why.
struct failed_sample {
  std::string file;
  sample_stage stage = sample_stage::read;
  std::string reason;
  std::uint64_t sample_id = 0;
};

/// One sample on its way through the graph. Lives in its batch buffer; reused batch after batch.
struct sample_slot {
  batch_buffer* owner = nullptr;
  std::size_t index = 0;  ///< position in the batch
  const sample_record* record = nullptr;
  std::uint64_t position = 0;  ///< in the epoch's global order: keys the random draws

  std::vector<std::uint8_t> image_bytes;   // read when planning, kept until decoded
  std::vector<std::uint8_t> text_bytes;    // the caption, read when planning
  image_header header;                     // read when planning
  sample_plan plan;                        // made from the header (and boxes) before any pixel is decoded
  int jpeg_denominator = 1;                // decode.plan fast: the image is decoded at 1/this scale
  std::unique_ptr<sample_workspace> work;  // borrowed from decode to write

  bool failed = false;
  bool reported = false;  // the failure went to the fault log (fault_log::report)
  bool misfit = false;    // a substitute that does not fit its batch: no fault of its file
  sample_stage stage = sample_stage::read;
  std::string error_file, error_reason;
  std::exception_ptr cause;  // what was thrown, when the failure was an exception
  /// on_error substitute: the samples this slot tried before its current record, with why each failed.
  std::vector<failed_sample> tried;
  int attempts = 0;  // substitutes taken

  /// The first failure wins. Never throws (stages call it from noexcept code, bad_alloc handlers
  /// included): text that cannot be stored for lack of memory is replaced by what fits.
  void fail(sample_stage where, std::string_view file, std::string_view reason,
            std::exception_ptr thrown = nullptr) noexcept {
    if (failed) return;
    failed = true;
    stage = where;
    cause = std::move(thrown);
    try {
      error_file.assign(file);
      error_reason.assign(reason);
    } catch (...) {
      // A fixed text instead; clear() keeps the string's buffer, so it needs no memory when the reason had
      // room for it. If it must allocate and cannot, the reason stays empty (the file still names it).
      error_reason.clear();
      try {
        error_reason.assign("out of memory (the reason could not be stored)");
      } catch (...) {
      }
    }
  }
  /// fail() with a reason composed only when it is the first failure; composing it out of memory fails
  /// the slot with a fixed text instead.
  template <class F>
  void fail_with(sample_stage where, std::string_view file, F&& compose, std::exception_ptr thrown = nullptr) noexcept {
    if (failed) return;
    try {
      const std::string reason = compose();
      fail(where, file, reason, std::move(thrown));
    } catch (...) {
      fail(where, file, "out of memory while describing the failure", std::current_exception());
    }
  }
  /// Ready for another sample (a new batch, or a substitute): no failure.
  void clear_failure() noexcept {
    failed = false;
    reported = false;
    misfit = false;
    cause = nullptr;
  }
};

/// A batch buffer: the consumer-visible batch plus its slots. The buffers are the graph's tokens.
struct batch_buffer {
  batch_data data;
  std::vector<sample_slot> slots;
  std::atomic<std::size_t> to_plan{0};    // samples not yet planned: the last one fixes the shape
  std::atomic<std::size_t> remaining{0};  // samples not yet written: the last one finishes the batch
  batch_shape shape;
  std::exception_ptr error;  // set by collate from the first failed slot
  bool dropped = false;      // on_error skip: nothing (or, with drop_last, too little) left to hand out
  bool held = false;         // handed to the consumer and not yet released (pool mutex)
  // Room for the control block of the handle given to the consumer, so handing out a batch allocates
  // nothing. Taken while a handle's control block lives; a second one (the old block not yet freed when
  // the buffer comes round again) goes to the heap.
  alignas(std::max_align_t) unsigned char handle_storage[192];
  std::atomic<bool> handle_storage_taken{false};
};

/// Allocates a batch handle's control block in its buffer's handle_storage (see there). `owner` keeps
/// whatever owns the buffer alive until the block is freed: the handle's deleter may drop the last
/// other reference (a batch that outlives its loader), and the block is freed after the deleter goes.
template <class T>
struct handle_allocator {
  using value_type = T;
  batch_buffer* buffer;
  std::shared_ptr<const void> owner;
  handle_allocator(batch_buffer* b, std::shared_ptr<const void> o) noexcept : buffer(b), owner(std::move(o)) {}
  template <class U>
  handle_allocator(const handle_allocator<U>& o) noexcept : buffer(o.buffer), owner(o.owner) {}
  T* allocate(std::size_t n) {
    if (n * sizeof(T) <= sizeof buffer->handle_storage && alignof(T) <= alignof(std::max_align_t) &&
        !buffer->handle_storage_taken.exchange(true, std::memory_order_acquire))
      return reinterpret_cast<T*>(buffer->handle_storage);
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (reinterpret_cast<unsigned char*>(p) == buffer->handle_storage)
      buffer->handle_storage_taken.store(false, std::memory_order_release);
    else std::allocator<T>().deallocate(p, n);
  }
  template <class U>
  bool operator==(const handle_allocator<U>& o) const noexcept {
    return buffer == o.buffer;
  }
};

}  // namespace imgbatch::detail
