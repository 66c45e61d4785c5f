#pragma once

#include "collate/batch_layout.hpp"
#include "dataset/dataset.hpp"
#include "pipeline/batch_buffer.hpp"
#include "pipeline/ring.hpp"
#include "pipeline/sample_stages.hpp"
#include "sampler/sampler.hpp"

#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>
#include <vector>

namespace imgbatch::detail {

struct body_scope;

/// What one pass over an epoch needs; owned by the loader, outlives the pass.
struct pass_inputs {
  const std::vector<sample_record>* records = nullptr;
  epoch_order order;            ///< this rank's batches of the epoch
  std::size_t first_batch = 0;  ///< the pass starts here (a restored cursor); earlier batches are skipped
  stage_context ctx;
  ring<batch_buffer*>* ready = nullptr;
  /// The next batch starts when the one in progress has this many samples left to finish: one fewer
  /// than the worker threads, which are then busy with those while others start on the next batch.
  /// Starting it earlier would delay the first: oneTBB workers run the newest task first, so the next
  /// batch's tasks would run before the samples of this one still queued.
  std::size_t start_next_at = 0;
  std::size_t buffers = 1;  ///< batch buffers there are: the most tokens that can wait in split
};

/// The flow graph of one pass:
///   free buffers ─> split ─> plan ─> gate ─> decode ─> augment ─> collate ─> sequencer ─> ring
///                             ↺                 ↖ replan ↙
/// Under `on_error: substitute` a sample that fails takes another sample's place: one that failed while
/// planned goes round `plan` again (the batch's shape is not fixed yet), one that failed later goes
/// through `replan`, which plans it and fails it unless it fits the batch's shape, and then to decode.
/// Free buffers (tokens) wait in `split` (serial); one starts the next batch of the epoch when the batch
/// in progress is down to its last `start_next_at` samples (with one thread: when it is delivered), so
/// batches are made one after another rather than all at once, while at most `prefetch_batches` exist
/// and no node waits for a token. (imgbatch-bench measures the effect on an epoch's first batch.)
/// `plan` reads each file and its header and plans the sample; `gate` holds a batch's samples until
/// the last is planned, fixes the batch's shape from all the plans, then releases them to be decoded.
/// Node bodies never throw: a failed sample travels as data to collate, which attaches the error to its batch;
/// an exception while routing (try_put, the ring) fails the whole pass (fail()), which the consumer rethrows.
class pass_graph {
 public:
  pass_graph(oneapi::tbb::task_arena& arena, pass_inputs inputs);
  ~pass_graph();
  pass_graph(const pass_graph&) = delete;
  pass_graph& operator=(const pass_graph&) = delete;

  /// Hands a free buffer to the graph: it starts the next batch, if any is left. Thread-safe; callable
  /// from any thread.
  void put_token(batch_buffer* b);
  /// Runs the graph's queued work on the calling thread until none is left (in a forked child, where
  /// oneTBB has no worker threads, this is what makes batches).
  void run_here();
  /// Stops producing and drops queued work without waiting; running bodies finish their stage.
  void cancel() noexcept;
  /// Stops producing, drops queued work, waits for running bodies to finish. Idempotent.
  void cancel_and_wait();
  /// The error that stopped the pass from inside the graph (an exception while routing a sample or a
  /// batch, for example out of memory in oneTBB), or null. Set once, before the ring is closed.
  std::exception_ptr error() const;

 private:
  struct nodes;
  template <class Ports>
  void split_batch(batch_buffer* b, Ports& ports);
  /// The ThreadSanitizer scope of a node body receiving `msg` (flow.cpp); `serial`: the node's own state.
  body_scope in_body(const void* msg, const void* serial = nullptr) noexcept;
  /// Runs `stage` on the sample in a function node's body and returns it for the node to send on.
  sample_slot* run_stage(void (*stage)(const stage_context&, sample_slot&) noexcept, sample_slot* s);
  /// Runs `stage` on the sample, then sends it on (port 0) or, when it failed and takes a substitute
  /// (retry_sample), to be planned again (port 1).
  template <class Ports>
  void run_and_route(void (*stage)(const stage_context&, sample_slot&) noexcept, sample_slot* s, Ports& ports);
  template <class Ports>
  void gate_sample(sample_slot* s, Ports& ports);
  template <class Ports>
  void collate_sample(sample_slot* s, Ports& ports);

  /// Records the first error, stops the pass and closes the ring, so that the consumer wakes up and
  /// rethrows it instead of waiting for a batch that will never come. Never throws.
  void fail(std::exception_ptr e) noexcept;

  oneapi::tbb::task_arena& arena_;
  pass_inputs in_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex error_mutex_;
  std::exception_ptr error_;
  std::size_t next_batch_;
  // Touched only in split's (serial) body: tokens waiting, and whether a batch is being made that has
  // not reached its last start_next_at samples.
  std::vector<batch_buffer*> waiting_;  // reserved for every buffer: no allocation mid-epoch
  bool making_ = false;
  std::unique_ptr<nodes> nodes_;
  bool waited_ = false;
  // Addresses ThreadSanitizer's hand-overs name (util/tsan.hpp); never read or written.
  char built_sync_ = 0, done_sync_ = 0;

  /// Runs f(*this) inside the arena (building and destroying the graph there).
  void in_arena(void (*f)(pass_graph&));
};

}  // namespace imgbatch::detail
