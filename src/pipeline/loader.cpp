#include <imgbatch/error.hpp>
#include <imgbatch/loader.hpp>

#include "pipeline/assembly.hpp"
#include "pipeline/batch_buffer.hpp"
#include "pipeline/fault_log.hpp"
#include "pipeline/flow.hpp"
#include "pipeline/memory_budget.hpp"
#include "pipeline/ring.hpp"
#include "pipeline/substitute.hpp"
#include "pipeline/worker_threads.hpp"
#include "pipeline/workspace_pool.hpp"
#include "sampler/aspect_bins.hpp"
#include "sampler/cursor_hash.hpp"
#include "sampler/sampler.hpp"
#include "sampler/shard_env.hpp"
#include "target/boxes_target.hpp"
#include "target/target.hpp"
#include "transform/normalize.hpp"
#include "transform/plan.hpp"
#include "util/log.hpp"

#include <oneapi/tbb/task_arena.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

namespace imgbatch {
namespace detail {

std::size_t most_annotations(const dataset_index& index) {
  std::size_t most = 0;
  for (const sample_record& r : index.records) most = std::max<std::size_t>(most, r.annotation_count);
  return most;
}

// The most rows the box tensors can have (M): the most annotations of an image, at most max_boxes.
std::size_t box_rows(const pipeline_spec& spec, const dataset_index& index) {
  if (!spec.targets.boxes && !spec.targets.instance_masks) return 0;
  const std::size_t most = most_annotations(index);
  const int cap = spec.targets.boxes ? spec.targets.boxes->max_boxes : 0;  // 0: no cap
  return cap > 0 ? std::min(most, static_cast<std::size_t>(cap)) : most;
}

/// The batch buffers and who holds them. Shared with every batch handed out, so a batch can outlive
/// its loader. Thread-safe.
class buffer_pool {
 public:
  /// Each slot's box storage is reserved for `max_boxes` (the most annotations of one image) and its
  /// plan for `max_steps` steps (no op makes more than 4), so no slot grows them when it first meets a
  /// sample with many boxes or steps in the middle of an epoch.
  buffer_pool(std::size_t count, std::size_t batch_size, const batch_layout& layout, std::size_t max_boxes,
              std::size_t max_steps, const std::shared_ptr<buffer_allocator>& allocator) {
    for (std::size_t i = 0; i < count; ++i) {
      auto b = std::make_unique<batch_buffer>();
      b->slots.resize(batch_size);
      for (sample_slot& s : b->slots) {
        s.plan.steps.reserve(max_steps);
        for (box_set* set : {&s.plan.boxes, &s.plan.footprint_work, &s.plan.back_work}) {
          set->box.reserve(max_boxes);
          set->full.reserve(max_boxes);
          set->source.reserve(max_boxes);
        }
      }
      b->data.samples.resize(batch_size);
      layout.init(b->data);
      for (auto& named : b->data.tensors) named.second.use_allocator(allocator);
      free_.push_back(b.get());
      all_.push_back(std::move(b));
    }
    // Room for every buffer, so that giving buffers back (release, reclaim) and handing them to a pass
    // (attach) never allocate: an allocation that failed there would lose buffers, and a pass without
    // them would wait forever.
    free_.reserve(all_.size());
    handout_.reserve(all_.size());
  }

  /// Routes released buffers to a running pass (or back to the free list when null); returns the
  /// buffers that were free (valid until the next attach). Allocates nothing.
  const std::vector<batch_buffer*>& attach(pass_graph* pass) {
    std::lock_guard lock(mutex_);
    sink_ = pass;
    handout_.assign(free_.begin(), free_.end());
    free_.clear();
    return handout_;
  }

  /// Ending a pass, first: buffers released from now on go to the free list, never to the pass (a
  /// release in progress on another thread finishes before this returns).
  void detach() {
    std::lock_guard lock(mutex_);
    sink_ = nullptr;
  }

  /// Ending a pass, last, once its graph is gone: every buffer the consumer does not hold is free again
  /// (those the graph held, those it had put in the ring, those released meanwhile).
  void reclaim() {
    std::lock_guard lock(mutex_);
    free_.clear();
    for (auto& b : all_)
      if (!b->held) free_.push_back(b.get());
  }

  void hand_out(batch_buffer* b) {
    std::lock_guard lock(mutex_);
    b->held = true;
    ++held_;
  }

  void release(batch_buffer* b) {
    std::lock_guard lock(mutex_);
    b->held = false;
    --held_;
    // In a forked child a batch handed out before the fork goes to the free list, never into the
    // parent's graph, which has no threads here and is never touched again.
    if (sink_ && ::getpid() == pid_) sink_->put_token(b);
    else free_.push_back(b);
  }

  /// In a forked child: the pass the parent was running has no threads here; every buffer the child's
  /// consumer does not hold is free again. (The mutex is taken only by the consumer's calls and by the
  /// thread that drops a batch's last copy, for a moment; a fork made while another thread drops a
  /// batch would leave it held in the child.)
  void forget_pass() {
    {
      std::lock_guard lock(mutex_);
      pid_ = ::getpid();
    }
    detach();
    reclaim();
  }

  bool consumer_holds_all() {
    std::lock_guard lock(mutex_);
    return held_ == all_.size();
  }
  std::size_t size() const noexcept { return all_.size(); }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<batch_buffer>> all_;
  std::vector<batch_buffer*> free_;     // capacity for every buffer
  std::vector<batch_buffer*> handout_;  // attach()'s result; capacity for every buffer
  pass_graph* sink_ = nullptr;
  std::size_t held_ = 0;
  pid_t pid_ = ::getpid();  // the process whose pass sink_ is
};

/// What worker threads touch while a pass runs: its graph, the arena it runs in, the ring it fills, the
/// workspaces, per-thread state and fault log they share. A forked child gets a new one: the parent's
/// may be in any state (a mutex held by a thread that does not exist in the child), so it is never
/// touched again (see loader_impl::check_fork).
struct pass_runtime {
  pass_runtime(const pipeline_parts& parts, int threads)
      : ready(static_cast<std::size_t>(parts.spec.loader.prefetch_batches)),
        workspaces(parts.targets),
        faults(quarantine_path(parts.spec), *parts.data.source, parts.listed),
        arena(threads, 0) {}
  ring<batch_buffer*> ready;
  workspace_pool workspaces;
  thread_states thread_state;  // per worker thread, freed with the loader
  fault_log faults;
  oneapi::tbb::task_arena arena;
  std::unique_ptr<pass_graph> pass;
  std::unique_ptr<pass_graph> stopped;  // a pass stopped without waiting for its workers (loader::on_wait)
};

/// Keeps what a forked child inherited from its parent's threads without destroying it: destructors
/// would wait for threads that are not there. Reachable from here, so leak checkers do not report it.
void abandon(std::unique_ptr<pass_runtime> r) {
  static std::mutex mutex;
  static auto* kept = new std::vector<std::unique_ptr<pass_runtime>>;
  std::lock_guard lock(mutex);
  kept->push_back(std::move(r));
}

/// Marks a loader busy while one of its consumer calls runs (by the caller's process id); a second
/// thread calling in meanwhile is an error that says so instead of a race. A mark left by another
/// process (a fork made while a thread of the parent was inside a call) is taken over: that thread does
/// not exist in the child.
class consumer_call {
 public:
  consumer_call(std::atomic<pid_t>& busy, const char* what) : busy_(busy) {
    const pid_t me = ::getpid();
    pid_t was = 0;
    while (!busy_.compare_exchange_weak(was, me, std::memory_order_acquire)) {
      if (was == me)
        throw error(std::string("imgbatch::loader::") + what +
                    " was called while another thread is inside a call of the same loader (next, set_epoch, stop, "
                    "restore, state or begin): a loader has one consumer thread at a time");
      // `was` is another process's mark (or 0 after a spurious failure): try again to replace it.
    }
  }
  ~consumer_call() { busy_.store(0, std::memory_order_release); }
  consumer_call(const consumer_call&) = delete;
  consumer_call& operator=(const consumer_call&) = delete;

 private:
  std::atomic<pid_t>& busy_;
};

class loader_impl {
 public:
  loader_impl(pipeline_spec spec, std::shared_ptr<buffer_allocator> allocator)
      : spec_(std::move(spec)),
        parts_(spec_, assembly_purpose::load),
        bins_(aspect_bins(spec_, index())),
        sampler_(spec_.sampler, index().records.size(), static_cast<std::size_t>(spec_.batch.size), bins_),
        // Quarantined records stay candidates: one drawn fails unread and the next attempt is drawn, as
        // when the run that wrote the quarantine read it and failed, so a resumed run substitutes alike.
        substitutes_(index().records.size(), bins_),
        buffer_bytes_(check_memory(spec_, parts_.layout, parts_.chain, box_rows(spec_, index()))),
        threads_(spec_.loader.threads > 0 ? spec_.loader.threads
                                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))),
        pool_(std::make_shared<buffer_pool>(static_cast<std::size_t>(spec_.loader.prefetch_batches),
                                            static_cast<std::size_t>(spec_.batch.size), parts_.layout,
                                            most_annotations(index()), 4 * parts_.chain.ops.size() + 4, allocator)),
        rt_(std::make_unique<pass_runtime>(parts_, threads_)) {
    if (sampler_.num_batches() == 0)
      log().warn("{} samples per epoch fill no batch of {} with drop_last: every epoch is empty",
                 sampler_.samples_per_rank(), spec_.batch.size);
    log().debug("loader: {} samples, {} batches per epoch, {} threads, {} buffers of {} bytes", index().records.size(),
                sampler_.num_batches(), threads_, pool_->size(), buffer_bytes_);
  }

  ~loader_impl() {
    check_fork();
    end_pass();
    log().debug("loader: {} sample workspaces were in use at the peak", rt_->workspaces.created());
  }

  std::optional<batch> next() {
    consumer_call call(busy_, "next()");
    check_fork();
    if (!rt_->pass) {
      finish_stopped_pass();
      start_pass();
    }
    for (;;) {
      if (delivered_ == sampler_.num_batches()) {
        end_pass();
        return std::nullopt;
      }
      const std::size_t ready_now = rt_->ready.size();
      if (ready_now == 0 && pool_->consumer_holds_all())
        throw error("all " + std::to_string(pool_->size()) +
                    " batch buffers are held by the caller, so no batch can be made: drop a batch or raise "
                    "loader.prefetch_batches");
      const auto t0 = std::chrono::steady_clock::now();
      std::optional<batch_buffer*> got = wait_for_batch();
      wait_ns_ += static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
      if (!got) {
        // Closed during a pass: the graph failed (pass_graph::fail) and says why.
        std::exception_ptr why = rt_->pass->error();
        end_pass();
        if (why) std::rethrow_exception(why);
        throw error("internal: the batch ring closed during a pass");
      }
      batch_buffer* b = *got;
      ++delivered_;
      if (b->dropped) {
        // on_error skip left nothing (or, with drop_last, too little) to hand out: the buffer goes back
        // to the graph for another batch, and the consumer waits for the next one.
        pool_->hand_out(b);
        pool_->release(b);
        continue;
      }
      if (b->error) {
        std::exception_ptr e = b->error;
        end_pass();
        std::rethrow_exception(e);
      }
      ready_sum_ += ready_now;
      pool_->hand_out(b);
      ++batches_;
      samples_ += b->data.size;
      std::shared_ptr<buffer_pool> pool = pool_;
      return batch(std::shared_ptr<const batch_data>(
          &b->data, [pool, b](const batch_data*) { pool->release(b); }, handle_allocator<batch_data>(b, pool)));
    }
  }

  /// Public stop(): a consumer call.
  void stop() {
    consumer_call call(busy_, "stop()");
    check_fork();
    end_pass();
  }

  /// Ends the current pass, if any, for begin(), returning the serial of the pass it starts.
  std::uint64_t begin_pass() {
    consumer_call call(busy_, "begin()");
    check_fork();
    end_pass();
    return pass_serial_.load(std::memory_order_relaxed);
  }

  /// Ends the pass `serial` if it is still the current one (an iterator of it was destroyed). Does
  /// nothing while another thread is in a consumer call: the current pass is then that thread's.
  void end_pass_of(std::uint64_t serial) noexcept {
    pid_t free = 0;
    if (!busy_.compare_exchange_strong(free, ::getpid(), std::memory_order_acquire)) return;
    if (serial == pass_serial_.load(std::memory_order_relaxed) && getpid() == pid_) end_pass();
    busy_.store(0, std::memory_order_release);
  }
  /// Names the current pass: an iterator whose serial differs belongs to a pass that has ended.
  std::uint64_t pass_serial() const noexcept { return pass_serial_.load(std::memory_order_relaxed); }

  void set_epoch(std::uint64_t e) {
    consumer_call call(busy_, "set_epoch()");
    check_fork();
    end_pass();
    if (!(resume_pending_ && e == epoch_)) {
      resume_pending_ = false;
      delivered_ = 0;
    }
    epoch_ = e;
  }

  cursor state() {
    consumer_call call(busy_, "state()");
    return {epoch_, delivered_, spec_.sampler.seed, spec_hash_, dataset_hash()};
  }

  void restore(const cursor& c) {
    consumer_call call(busy_, "restore()");
    check_fork();
    auto refuse = [&](const std::string& why) {
      throw config_error("", "cannot restore " + c.to_string() + ": " + why);
    };
    if (c.seed != spec_.sampler.seed)
      refuse("it was made with sampler.seed " + std::to_string(c.seed) + ", this loader has " +
             std::to_string(spec_.sampler.seed));
    if (c.spec_hash != spec_hash_)
      refuse("it was made with another pipeline spec (sampler, transforms, targets, batch or decode differ)");
    if (c.dataset_hash != dataset_hash())
      refuse("it was made with another dataset (files, sizes, annotations or classes differ)");
    if (c.batches > sampler_.num_batches())
      refuse("an epoch has " + std::to_string(sampler_.num_batches()) + " batches");
    end_pass();
    epoch_ = c.epoch;
    delivered_ = static_cast<std::size_t>(c.batches);
    resume_pending_ = true;
  }

  void on_wait(std::function<void()> poll, std::chrono::milliseconds every) {
    consumer_call call(busy_, "on_wait()");
    if (every <= std::chrono::milliseconds(0))
      throw config_error(
          "", "loader::on_wait: the interval must be positive, got " + std::to_string(every.count()) + " ms");
    poll_ = std::move(poll);
    poll_every_ = every;
  }

  loader_stats stats() const {
    loader_stats s;
    s.batches = batches_;
    s.samples = samples_;
    s.decoded_pixels = counters_.decoded_pixels.load();
    s.read_s = static_cast<double>(counters_.read_ns.load()) * 1e-9;
    s.decode_s = static_cast<double>(counters_.decode_ns.load()) * 1e-9;
    s.augment_s = static_cast<double>(counters_.augment_ns.load()) * 1e-9;
    s.collate_s = static_cast<double>(counters_.collate_ns.load()) * 1e-9;
    s.wait_s = static_cast<double>(wait_ns_) * 1e-9;
    s.mean_ready = batches_ ? static_cast<double>(ready_sum_) / static_cast<double>(batches_) : 0.0;
    for (const auto& t : parts_.targets.list)
      if (const auto* b = dynamic_cast<const boxes_target_kind*>(t.get())) s.boxes_truncated = b->truncated();
    const fault_log& faults = rt_->faults;
    s.skipped = faults.skipped.load();
    s.substituted = faults.substituted.load();
    s.batches_dropped = faults.batches_dropped.load();
    s.quarantined = parts_.quarantined.size();
    const sample_source::io_counts io = parts_.data.source->io();
    s.requests = io.requests;
    s.retries = io.retries;
    s.bytes_received = io.bytes;
    s.index_cache_hits = io.index_cache_hits;
    s.bad_files = faults.list();
    return s;
  }

  const pipeline_spec& spec() const noexcept { return spec_; }
  std::uint64_t epoch() const noexcept { return epoch_; }
  std::size_t size() const noexcept { return sampler_.num_batches(); }
  std::size_t dataset_size() const noexcept { return index().records.size(); }
  const std::vector<class_info>& classes() const noexcept { return index().classes; }

 private:
  /// In this order: no released buffer can reach the graph once it is being cancelled, no body runs
  /// once it is destroyed, and the ring reopens only then, so nothing of this pass reaches the next.
  void end_pass() {
    stop_pass();
    finish_stopped_pass();
  }

  /// The first half of end_pass, which does not wait: the pass is over for the consumer (its iterators
  /// end) and its workers stop after the sample stage they are in; finish_stopped_pass waits for them.
  void stop_pass() {
    if (!rt_->pass) return;
    pool_->detach();
    rt_->ready.close();  // a batch delivered from now on is dropped (and its buffer reclaimed)
    rt_->pass->cancel();
    rt_->stopped = std::move(rt_->pass);
    pass_serial_.fetch_add(1, std::memory_order_relaxed);
  }

  void finish_stopped_pass() {
    if (!rt_->stopped) return;
    rt_->stopped->cancel_and_wait();
    parts_.data.source->end_pass();
    rt_->stopped.reset();
    rt_->ready.reset();
    pool_->reclaim();
  }

  /// The next batch from the ring. In a forked child the graph's work runs on this thread first. While
  /// it waits, the on_wait() poll runs every interval; if it throws, the pass ends and that propagates.
  std::optional<batch_buffer*> wait_for_batch() {
    if (forked_) {
      if (rt_->ready.size() == 0) rt_->pass->run_here();
      bool timed_out = false;
      std::optional<batch_buffer*> got = rt_->ready.pop_for(std::chrono::milliseconds(0), timed_out);
      if (timed_out) throw error("internal: the pass made no batch on the calling thread (forked child)");
      return got;
    }
    if (!poll_) return rt_->ready.pop();
    for (;;) {
      bool timed_out = false;
      std::optional<batch_buffer*> got = rt_->ready.pop_for(poll_every_, timed_out);
      if (!timed_out) return got;
      try {
        poll_();
      } catch (...) {
        stop_pass();  // promptly: the workers' last stage is waited for by the next call, not this one
        throw;
      }
    }
  }

  /// A process forked from the one that built this loader has none of its worker threads, and the
  /// state they shared may be mid-change. The child drops it unread (abandon) and gets a fresh runtime;
  /// oneTBB cannot start worker threads in a forked child, so the child's passes run their stages on
  /// the thread that calls next(), as the workers torch's DataLoader forks run single-threaded. A pass
  /// that was running ends; the next starts at the epoch's beginning (or at a restored cursor).
  void check_fork() {
    const pid_t now = getpid();
    if (now == pid_) return;
    log().warn("loader: process {} was forked from {}; its stages now run on the thread that calls next()", now, pid_);
    pid_ = now;
    forked_ = true;
    const bool was_running = rt_->pass != nullptr;  // (a stopped pass already counted as ended)
    abandon(std::move(rt_));
    pool_->forget_pass();
    rt_ = std::make_unique<pass_runtime>(parts_, threads_);
    if (was_running) pass_serial_.fetch_add(1, std::memory_order_relaxed);
  }

  void start_pass() {
    pass_inputs in;
    in.records = &index().records;
    sampler_.order(epoch_, in.order);
    in.first_batch = resume_pending_ ? delivered_ : 0;
    delivered_ = in.first_batch;
    resume_pending_ = false;
    in.ctx = parts_.context(counters_, rt_->workspaces, rt_->thread_state);
    in.ctx.epoch = epoch_;
    in.ctx.substitutes = &substitutes_;
    in.ctx.faults = &rt_->faults;
    in.ready = &rt_->ready;
    in.start_next_at = static_cast<std::size_t>(threads_ - 1);
    in.buffers = pool_->size();
    // A source that reads ahead (remote shards) starts on this pass's samples, in order.
    const std::size_t from =
        in.order.starts.empty() ? 0 : in.order.starts[std::min(in.first_batch, in.order.num_batches())];
    parts_.data.source->begin_pass(
        index(), std::span<const std::uint64_t>(in.order.ids).subspan(std::min(from, in.order.ids.size())),
        static_cast<std::size_t>(spec_.loader.prefetch_batches + 1) * static_cast<std::size_t>(spec_.batch.size) +
            static_cast<std::size_t>(threads_));
    rt_->pass = std::make_unique<pass_graph>(rt_->arena, std::move(in));
    for (batch_buffer* b : pool_->attach(rt_->pass.get())) rt_->pass->put_token(b);
  }

  const dataset_index& index() const noexcept { return parts_.data.index; }

  pipeline_spec spec_;
  pipeline_parts parts_;
  std::vector<int> bins_;  // each record's aspect bin, or empty
  sampler sampler_;
  substitute_pool substitutes_;
  std::uint64_t buffer_bytes_;  // one batch buffer, when the batch size is known in advance (else 0)
  int threads_;
  std::shared_ptr<buffer_pool> pool_;
  stage_counters counters_;
  worker_threads_request worker_threads_{threads_};
  std::unique_ptr<pass_runtime> rt_;
  pid_t pid_ = getpid();                       // the process whose threads rt_ belongs to
  bool forked_ = false;                        // this is a forked child: passes run on the consumer's thread
  std::atomic<pid_t> busy_{0};                 // the process a consumer call runs in, or 0 (consumer_call)
  std::atomic<std::uint64_t> pass_serial_{0};  // counts ended passes: names the current one for its iterators
  std::size_t delivered_ = 0;                  // batches of epoch_ handed out by the latest pass (kept after it ends)
  bool resume_pending_ = false;                // restore(): the next pass starts at delivered_
  std::uint64_t epoch_ = 0;
  std::uint64_t spec_hash_ = detail::spec_hash(spec_);
  std::function<void()> poll_;  // on_wait()
  std::chrono::milliseconds poll_every_{50};
  mutable std::optional<std::uint64_t> dataset_hash_;  // computed on first use: it reads every record

  std::uint64_t dataset_hash() const {
    if (!dataset_hash_) dataset_hash_ = detail::dataset_hash(parts_.data);
    return *dataset_hash_;
  }
  std::uint64_t batches_ = 0, samples_ = 0, wait_ns_ = 0, ready_sum_ = 0;
};

}  // namespace detail

namespace {
pipeline_spec validated(pipeline_spec s) {
  s.validate();
  // Past a few threads per core they only contend (1024 threads on 2 cores ran ten times slower than 2).
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (s.loader.threads > 4 * cores) {
    detail::log().warn("loader.threads {} is more than 4 per core on this machine's {} cores: using {}",
                       s.loader.threads, cores, 4 * cores);
    s.loader.threads = 4 * cores;
  }
  const detail::shard sh = detail::resolve_shard(s.sampler);
  if (s.sampler.rank == from_environment)
    detail::log().info("sampler: rank {} of {} (\"auto\": {})", sh.rank, sh.world_size, sh.source);
  s.sampler.rank = sh.rank;
  s.sampler.world_size = sh.world_size;
  return s;
}
}  // namespace

loader::loader(pipeline_spec spec) : loader(std::move(spec), nullptr) {}
loader::loader(pipeline_spec spec, std::shared_ptr<buffer_allocator> allocator)
    : impl_(std::make_unique<detail::loader_impl>(validated(std::move(spec)), std::move(allocator))) {}
loader::~loader() = default;
loader::loader(loader&&) noexcept = default;
loader& loader::operator=(loader&&) noexcept = default;

void loader::set_epoch(std::uint64_t epoch) { impl_->set_epoch(epoch); }
std::uint64_t loader::epoch() const noexcept { return impl_->epoch(); }
std::size_t loader::size() const noexcept { return impl_->size(); }
std::size_t loader::dataset_size() const noexcept { return impl_->dataset_size(); }
const std::vector<class_info>& loader::classes() const noexcept { return impl_->classes(); }
std::optional<batch> loader::next() { return impl_->next(); }
void loader::stop() { impl_->stop(); }
void loader::on_wait(std::function<void()> poll, std::chrono::milliseconds every) {
  impl_->on_wait(std::move(poll), every);
}
loader_stats loader::stats() const { return impl_->stats(); }
cursor loader::state() const { return impl_->state(); }
void loader::restore(const cursor& c) { impl_->restore(c); }
const pipeline_spec& loader::spec() const noexcept { return impl_->spec(); }

loader::iterator loader::begin() { return iterator(this, impl_->begin_pass()); }

loader::iterator::iterator(loader* owner, std::uint64_t pass) : owner_(owner), pass_(pass) {
  current_ = owner_->next();
}

loader::iterator::iterator(iterator&& o) noexcept
    : owner_(std::exchange(o.owner_, nullptr)), pass_(o.pass_), current_(std::move(o.current_)) {
  o.current_.reset();
}

loader::iterator& loader::iterator::operator=(iterator&& o) noexcept {
  if (this != &o) {
    stop_pass();
    owner_ = std::exchange(o.owner_, nullptr);
    pass_ = o.pass_;
    current_ = std::move(o.current_);
    o.current_.reset();
  }
  return *this;
}

loader::iterator::~iterator() { stop_pass(); }

void loader::iterator::stop_pass() noexcept {
  // Left before the end (a break, a return, an exception): the pass is over, its workers stop.
  if (owner_ && current_) {
    current_.reset();
    try {
      owner_->impl_->end_pass_of(pass_);
    } catch (...) {
      // Ending a pass does not throw; nothing to report from a destructor if it ever did.
    }
  }
}

loader::iterator& loader::iterator::operator++() {
  current_.reset();  // give the buffer back before asking for the next one
  // A pass ended by stop(), set_epoch(), restore() or another begin() is over for its iterator too: it
  // never goes on into the pass that next() would start.
  if (owner_->impl_->pass_serial() != pass_) return *this;
  current_ = owner_->next();
  return *this;
}

}  // namespace imgbatch
