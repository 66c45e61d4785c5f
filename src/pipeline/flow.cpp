#include "pipeline/flow.hpp"

#include <imgbatch/error.hpp>

#include "util/tsan.hpp"

#include <oneapi/tbb/flow_graph.h>

#include <chrono>
#include <mutex>

namespace imgbatch::detail {

namespace flow = oneapi::tbb::flow;

// For ThreadSanitizer (util/tsan.hpp): a node body runs after the graph was built, receives `msg` from
// the thread that sent it (senders call hand_over(msg) before try_put), follows its serial node's previous
// run, and happens before the graph's wait_for_all returns. Each relation has its own address, so bodies
// are never ordered with each other by these annotations, only by the messages they pass.
struct body_scope {
  const void* serial;
  const void* done;
  body_scope(const void* built, const void* msg, const void* serial_state, const void* done_sync) noexcept
      : serial(serial_state), done(done_sync) {
    hand_over_received(built);
    hand_over_received(msg);
    hand_over_received(serial);
  }
  ~body_scope() {
    hand_over(serial);
    hand_over(done);
  }
  body_scope(const body_scope&) = delete;
  body_scope& operator=(const body_scope&) = delete;
};

template <class Port, class T>
void send(Port& port, T* msg) {
  hand_over(msg);
  port.try_put(msg);
}

struct pass_graph::nodes {
  flow::graph g;
  flow::multifunction_node<batch_buffer*, std::tuple<sample_slot*, batch_buffer*>> split;
  flow::multifunction_node<sample_slot*, std::tuple<sample_slot*, sample_slot*>> plan;
  flow::multifunction_node<sample_slot*, std::tuple<sample_slot*>> gate;
  flow::function_node<sample_slot*, sample_slot*> decode, replan;
  flow::multifunction_node<sample_slot*, std::tuple<sample_slot*, sample_slot*>> augment;
  flow::multifunction_node<sample_slot*, std::tuple<batch_buffer*>> collate;
  flow::sequencer_node<batch_buffer*> sequencer;
  flow::function_node<batch_buffer*, flow::continue_msg> deliver;

  explicit nodes(pass_graph& p)
      // Serial: it hands out the batch indices in order, one per free buffer.
      : split(g, flow::serial,
              [&p](batch_buffer* b, auto& ports) {
                const body_scope scope = p.in_body(b, &p.waiting_);
                p.split_batch(b, ports);
              }),
        plan(g, flow::unlimited,
             [&p](sample_slot* s, auto& ports) {
               const body_scope scope = p.in_body(s);
               p.run_and_route(stage_plan, s, ports);
             }),
        gate(g, flow::unlimited,
             [&p](sample_slot* s, auto& ports) {
               const body_scope scope = p.in_body(s);
               p.gate_sample(s, ports);
             }),
        decode(g, flow::unlimited, [&p](sample_slot* s) { return p.run_stage(stage_decode, s); }),
        replan(g, flow::unlimited, [&p](sample_slot* s) { return p.run_stage(stage_replan, s); }),
        augment(g, flow::unlimited,
                [&p](sample_slot* s, auto& ports) {
                  const body_scope scope = p.in_body(s);
                  p.run_and_route(stage_augment, s, ports);
                }),
        collate(g, flow::unlimited,
                [&p](sample_slot* s, auto& ports) {
                  const body_scope scope = p.in_body(s);
                  p.collate_sample(s, ports);
                }),
        // The sequencer counts from 0: a pass that starts at batch k numbers its batches from k.
        sequencer(g,
                  [&p](batch_buffer* const& b) -> std::size_t {
                    hand_over_received(b);  // collate wrote the index before sending it
                    return static_cast<std::size_t>(b->data.index) - p.in_.first_batch;
                  }),
        deliver(g, flow::serial, [&p, this](batch_buffer* b) {
          const body_scope scope = p.in_body(b);
          try {
            p.in_.ready->push(b);  // never blocks: the ring holds every buffer there is (false: closed)
            if (p.in_.start_next_at == 0)
              send(split, static_cast<batch_buffer*>(nullptr));  // the next batch starts (split_batch)
          } catch (...) {
            p.fail(std::current_exception());
          }
          return flow::continue_msg{};
        }) {
    flow::make_edge(flow::output_port<0>(split), plan);
    flow::make_edge(flow::output_port<1>(split), sequencer);
    flow::make_edge(flow::output_port<0>(plan), gate);
    flow::make_edge(flow::output_port<1>(plan), plan);  // a substitute, planned before the batch's shape is fixed
    flow::make_edge(flow::output_port<0>(gate), decode);
    flow::make_edge(decode, augment);
    flow::make_edge(flow::output_port<0>(augment), collate);
    flow::make_edge(flow::output_port<1>(augment), replan);  // a substitute, which must fit the batch's shape
    flow::make_edge(replan, decode);
    flow::make_edge(flow::output_port<0>(collate), sequencer);
    flow::make_edge(sequencer, deliver);
  }
};

pass_graph::pass_graph(oneapi::tbb::task_arena& arena, pass_inputs inputs)
    : arena_(arena), in_(std::move(inputs)), next_batch_(in_.first_batch) {
  waiting_.reserve(in_.buffers);
  // Built inside the arena so every task of this graph runs on the arena's workers.
  in_arena(+[](pass_graph& p) { p.nodes_ = std::make_unique<nodes>(p); });
  hand_over(&built_sync_);  // the graph is built before any of its bodies runs (body_scope)
}

pass_graph::~pass_graph() {
  cancel_and_wait();
  in_arena(+[](pass_graph& p) { p.nodes_.reset(); });
}

void pass_graph::in_arena(void (*f)(pass_graph&)) {
  // execute() may run the functor on one of the arena's threads while this one waits: the hand-overs say
  // that the call happens after what came before it here, and before what follows.
  struct call {
    pass_graph* p;
    void (*f)(pass_graph&);
    void operator()() const {
      hand_over_received(this);
      f(*p);
      hand_over(this);
    }
  } c{this, f};
  hand_over(&c);
  arena_.execute(c);
  hand_over_received(&c);
}

void pass_graph::put_token(batch_buffer* b) {
  try {
    send(nodes_->split, b);
  } catch (...) {
    fail(std::current_exception());
  }
}

void pass_graph::fail(std::exception_ptr e) noexcept {
  {
    std::lock_guard lock(error_mutex_);
    if (!error_) error_ = std::move(e);
  }
  stopping_.store(true, std::memory_order_release);
  in_.ready->close();
}

std::exception_ptr pass_graph::error() const {
  std::lock_guard lock(error_mutex_);
  return error_;
}

void pass_graph::run_here() {
  in_arena(+[](pass_graph& p) { p.nodes_->g.wait_for_all(); });
}

void pass_graph::cancel() noexcept {
  stopping_.store(true, std::memory_order_release);
  nodes_->g.cancel();
}

void pass_graph::cancel_and_wait() {
  if (waited_) return;
  cancel();
  nodes_->g.wait_for_all();
  hand_over_received(&done_sync_);  // every body ran before this
  waited_ = true;
}

template <class Ports>
void pass_graph::split_batch(batch_buffer* token, Ports& ports) try {
  // A buffer joins the waiting ones (never allocates: reserved for every buffer); null means the batch
  // being made reached its last samples.
  if (token) waiting_.push_back(token);
  else making_ = false;
  if (making_ || waiting_.empty()) return;
  // Every batch started, or the pass stopping: the buffers wait, unused, for the pass's end (the
  // loader then takes back every buffer the consumer does not hold).
  if (stopping_.load(std::memory_order_acquire) || next_batch_ >= in_.order.num_batches()) return;
  batch_buffer* b = waiting_.front();
  waiting_.erase(waiting_.begin());
  const std::size_t k = next_batch_++;
  std::size_t n = 0;
  try {
    n = in_.order.batch_length(k);
    b->data.epoch = in_.ctx.epoch;
    b->data.index = k;
    b->data.size = n;
    if (b->data.samples.size() < n) b->data.samples.resize(n);
    b->error = nullptr;
    b->dropped = false;
    b->to_plan.store(n, std::memory_order_release);
    b->remaining.store(n, std::memory_order_release);
    for (std::size_t i = 0; i < n; ++i) {
      sample_slot& s = b->slots[i];
      finish_sample(in_.ctx, s);  // a workspace left by a cancelled pass goes back to the pool
      s.owner = b;
      s.index = i;
      s.record = &(*in_.records)[in_.order.ids[in_.order.starts[k] + i]];
      s.position = in_.order.positions[in_.order.starts[k] + i];
      s.clear_failure();
      s.tried.clear();
      s.attempts = 0;
    }
  } catch (...) {
    b->error = std::current_exception();
    b->data.size = 0;
    send(std::get<1>(ports), b);
    if (in_.start_next_at > 0)
      send(nodes_->split, static_cast<batch_buffer*>(nullptr));  // nothing in progress (else: deliver)
    return;
  }
  // A batch no larger than the threshold is at its tail already (with one thread: deliver says when).
  making_ = n > in_.start_next_at || in_.start_next_at == 0;
  if (!making_ && !waiting_.empty()) send(nodes_->split, static_cast<batch_buffer*>(nullptr));
  // Only the local count from here on: once the last slot is out, the batch may complete, reach the
  // consumer and come back for another split while this loop still runs.
  sample_slot* first = b->slots.data();
  for (std::size_t i = 0; i < n; ++i) send(std::get<0>(ports), first + i);
} catch (...) {
  fail(std::current_exception());
}

body_scope pass_graph::in_body(const void* msg, const void* serial) noexcept {
  return body_scope(&built_sync_, msg, serial, &done_sync_);
}

sample_slot* pass_graph::run_stage(void (*stage)(const stage_context&, sample_slot&) noexcept, sample_slot* s) {
  const body_scope scope = in_body(s);
  stage(in_.ctx, *s);
  hand_over(s);  // the node sends it on once this returns
  return s;
}

template <class Ports>
void pass_graph::run_and_route(void (*stage)(const stage_context&, sample_slot&) noexcept, sample_slot* s,
                               Ports& ports) try {
  stage(in_.ctx, *s);
  if (retry_sample(in_.ctx, *s)) send(std::get<1>(ports), s);  // a substitute, to be planned
  else send(std::get<0>(ports), s);
} catch (...) {
  fail(std::current_exception());
}

template <class Ports>
void pass_graph::gate_sample(sample_slot* s, Ports& ports) try {
  batch_buffer* b = s->owner;
  if (b->to_plan.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // Last sample planned: every plan is final, so the batch's shape is fixed from all of them.
  shape_batch(in_.ctx, *b);
  const std::size_t n = b->data.size;
  sample_slot* first = b->slots.data();
  for (std::size_t i = 0; i < n; ++i) send(std::get<0>(ports), first + i);
} catch (...) {
  fail(std::current_exception());
}

template <class Ports>
void pass_graph::collate_sample(sample_slot* s, Ports& ports) try {
  const auto t0 = std::chrono::steady_clock::now();
  batch_buffer* b = s->owner;
  const std::size_t size = b->data.size;  // read before this sample counts: the batch cannot finish yet
  const std::size_t left = b->remaining.fetch_sub(1, std::memory_order_acq_rel) - 1;
  // Its last samples are being finished: the next batch may start (split_batch). When that is at the
  // very end (one thread), `deliver` starts it instead, once this batch is in the ring: the newest task
  // runs first, and the next batch's would otherwise hold this one back until the next is done too.
  if (left != 0) {
    if (left == in_.start_next_at && size > in_.start_next_at) send(nodes_->split, static_cast<batch_buffer*>(nullptr));
    return;
  }
  // Last sample of the batch: every slot is final now.
  finish_batch(in_.ctx, *b);
  in_.ctx.counters->collate_ns.fetch_add(
      static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count()),
      std::memory_order_relaxed);
  send(std::get<0>(ports), b);
} catch (...) {
  fail(std::current_exception());
}

}  // namespace imgbatch::detail
