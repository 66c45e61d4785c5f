#pragma once

#include <imgbatch/batch.hpp>
#include <imgbatch/cursor.hpp>
#include <imgbatch/export.hpp>
#include <imgbatch/spec.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace imgbatch {

/// A file that failed to load, as `loader_stats::bad_files` lists it.
struct IMGBATCH_API bad_file {
  std::string file;    ///< the image, mask or depth map at fault
  std::string stage;   ///< where it failed, as sample_error::stage() names it
  std::string reason;  ///< why, as sample_error::reason() gives it
};

/// Counters since the loader was built. Times are summed over worker threads.
struct IMGBATCH_API loader_stats {
  std::uint64_t batches = 0;  ///< batches handed to the consumer
  /// Samples in the batches handed to the consumer.
  std::uint64_t samples = 0;
  std::uint64_t decoded_pixels = 0;  ///< source pixels decoded (images only)
  double read_s = 0, decode_s = 0, augment_s = 0, collate_s = 0;
  /// \var read_s
  /// Seconds reading image files and headers and planning each sample's transforms.
  /// \var decode_s
  /// Seconds decoding images and reading and decoding their masks and depth maps.
  /// \var augment_s
  /// Seconds running the transforms and writing samples into the batch tensors.
  /// \var collate_s
  /// Seconds finishing each batch once its last sample is written.
  double wait_s = 0;  ///< consumer time spent blocked in next()
  /// Mean number of ready batches found when the consumer asked (prefetch_batches = always ahead).
  double mean_ready = 0;
  /// Boxes dropped because a sample had more than `targets.boxes.max_boxes`.
  std::uint64_t boxes_truncated = 0;
  /// Samples dropped under `on_error: skip` (each failure counts, also of a file met before).
  std::uint64_t skipped = 0;
  /// Substitutes that took a failed sample's place under `on_error: substitute`.
  std::uint64_t substituted = 0;
  /// Batches not handed out under `on_error: skip`: no sample left, or short with `drop_last`.
  std::uint64_t batches_dropped = 0;
  /// Samples whose file `loader.quarantine` listed at construction (by its path from the dataset's root):
  /// each keeps its place and fails unread in its turn, handled by `loader.on_error`.
  std::uint64_t quarantined = 0;
  /// Requests to servers (shards over HTTP), since the loader was built: indexing included, retries
  /// included.
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;           ///< requests that were attempts after a failure (5xx, reset, timeout)
  std::uint64_t bytes_received = 0;    ///< body bytes those requests received
  std::uint64_t index_cache_hits = 0;  ///< shards whose index came from io.cache_dir instead of a walk
  /// Every file that failed, once, in the order met (whatever the policy).
  std::vector<bad_file> bad_files;
  /// One line for a log: every counter with its unit.
  std::string to_string() const;
};
/// Writes `s.to_string()`.
IMGBATCH_API std::ostream& operator<<(std::ostream& os, const loader_stats& s);

namespace detail {
class loader_impl;
}

/// Feeds ready batches from a oneTBB flow graph (read → decode → augment → collate) through a bounded
/// ring. Construction validates the spec and indexes the dataset (throws config_error/dataset_error).
///
/// One consumer thread at a time: a call of `next()`, `begin()`, `set_epoch`, `stop`, `restore` or
/// `state` made while another thread is inside one of them throws imgbatch::error saying so.
/// Batches come out in sampler order whatever the thread count. Destroying the loader, or leaving a
/// loop early (the iterator's destructor ends its pass), stops the workers promptly: each finishes the
/// sample stage it is in; batches already handed out stay valid.
///
/// After fork(), the child's loader works: its first call drops what the parent's worker threads held
/// (they do not exist in the child) and ends the pass that was running, so the child's next pass starts
/// at the epoch's beginning, as a fresh loader's would. oneTBB cannot start worker threads in a forked
/// child, so there every stage runs on the thread that calls next() (logged once as a warning).
class IMGBATCH_API loader {
 public:
  /// Validates `spec` (config_error), reads an `"auto"` rank and world size from the environment and
  /// indexes the dataset (dataset_error). Batch tensors take their memory from the heap.
  explicit loader(pipeline_spec spec);
  /// The same, with the memory of every batch tensor taken from `allocator` (null: the heap), for
  /// example pinned host memory for asynchronous copies to a GPU; see buffer_allocator.
  loader(pipeline_spec spec, std::shared_ptr<buffer_allocator> allocator);
  ~loader();
  loader(const loader&) = delete;
  loader& operator=(const loader&) = delete;
  /// Takes over the pipeline; the moved-from loader may only be destroyed or assigned to.
  loader(loader&&) noexcept;
  /// Takes over the pipeline, destroying this one's; the moved-from loader may only be destroyed or
  /// assigned to.
  loader& operator=(loader&&) noexcept;

  /// Selects the epoch whose order the next pass uses (shuffle and random ops depend on it).
  /// Stops a pass in progress. After restore(), setting the restored epoch keeps the resume point,
  /// so the usual `for (e = c.epoch; ...) { set_epoch(e); for (auto& b : loader) ... }` resumes.
  void set_epoch(std::uint64_t epoch);
  /// The epoch set by set_epoch() or restore(); 0 until then.
  std::uint64_t epoch() const noexcept;
  /// Batches per epoch.
  std::size_t size() const noexcept;
  /// Samples in the dataset index (before sharding).
  std::size_t dataset_size() const noexcept;
  /// The classes of an annotated dataset (COCO categories, VOC or YOLO class names) with the label
  /// each gets in the tensors; empty for folder and list datasets.
  const std::vector<class_info>& classes() const noexcept;

  /// The next batch of the current pass, starting a pass if none runs; nullopt once the pass is over
  /// (the call after that starts a new pass of the same epoch). Blocks only while no batch is ready.
  /// Throws sample_error (with the file, stage and reason) when a sample fails under `on_error: fail`,
  /// or when a sample and all its substitutes fail under `substitute`; the pass is then over. Under
  /// `skip`, a batch may hold fewer samples than `batch.size` (see error_policy).
  std::optional<batch> next();
  /// Ends the current pass early and releases its workers; the next call to next() starts anew. An
  /// iterator of the ended pass then equals end().
  void stop();
  /// While next() waits for a batch, calls `poll` on the waiting thread every `every` (which must be
  /// positive; config_error otherwise). If `poll` throws, the pass ends and next() throws that exception;
  /// the loader stays usable. The Python module uses it to raise KeyboardInterrupt promptly. Null removes it.
  void on_wait(std::function<void()> poll, std::chrono::milliseconds every = std::chrono::milliseconds(50));

  /// Where the loader stands: the current epoch and the batches of it handed out so far (those of a
  /// pass in progress; 0 before the first batch of a pass). Save it with a checkpoint.
  cursor state() const;
  /// Stops a pass in progress; the next pass is of `c.epoch` and starts at batch `c.batches`, giving
  /// exactly the batches an uninterrupted run would have given from there (whatever the thread count).
  /// Only that one pass starts late. Throws config_error if the cursor was made with another spec
  /// (seed included) or another dataset, or points past the epoch's end.
  void restore(const cursor& c);

  /// The counters since the loader was built.
  loader_stats stats() const;
  /// The validated spec the loader runs, with an `"auto"` rank and world size replaced by the values found.
  const pipeline_spec& spec() const noexcept;

  class iterator;
  struct sentinel {};
  /// Starts a fresh pass of the current epoch (stopping one in progress, whose iterator then ends).
  iterator begin();
  /// The end of a pass: an iterator equals it once next() found no more batches.
  sentinel end() noexcept { return {}; }

 private:
  std::unique_ptr<detail::loader_impl> impl_;
};

/// Input iterator over one pass. Advancing releases the previous batch unless the caller kept a copy.
/// It belongs to its pass: once that pass is ended (stop(), set_epoch(), restore(), another begin()),
/// advancing makes it equal end() instead of going on into a new pass.
class IMGBATCH_API loader::iterator {
 public:
  using iterator_category = std::input_iterator_tag;  ///< Standard input-iterator type.
  using value_type = batch;                           ///< Standard input-iterator type.
  using difference_type = std::ptrdiff_t;             ///< Standard input-iterator type.
  using reference = const batch&;                     ///< Standard input-iterator type.
  using pointer = const batch*;                       ///< Standard input-iterator type.

  iterator() = default;
  /// Takes over the pass; the moved-from iterator equals end() and stops nothing.
  iterator(iterator&& o) noexcept;
  /// Ends this iterator's pass if it is left unfinished (as the destructor), then takes over `o`'s.
  iterator& operator=(iterator&& o) noexcept;
  /// One iterator per pass: not copyable.
  iterator(const iterator&) = delete;
  /// One iterator per pass: not copyable.
  iterator& operator=(const iterator&) = delete;
  /// Leaving a pass before its end (a `break`, a `return`, an exception out of the loop body) ends it:
  /// the workers stop and the buffers they filled go back to the loader. The next `next()` or loop
  /// then starts the epoch over (a cursor from state() still resumes where the consumer stood).
  ~iterator();
  /// The current batch.
  reference operator*() const { return *current_; }
  /// The current batch.
  pointer operator->() const { return &*current_; }
  /// Drops the current batch, then takes the next one from next(); throws what next() throws.
  iterator& operator++();
  /// As the prefix form, returning nothing (an input iterator).
  void operator++(int) { ++*this; }
  /// True once the pass is over (and for a default-constructed iterator).
  friend bool operator==(const iterator& it, sentinel) noexcept { return !it.current_.has_value(); }

 private:
  friend class loader;
  iterator(loader* owner, std::uint64_t pass);
  void stop_pass() noexcept;
  loader* owner_ = nullptr;
  std::uint64_t pass_ = 0;  // which pass this iterator walks: a later one is not stopped by it
  std::optional<batch> current_;
};

}  // namespace imgbatch
