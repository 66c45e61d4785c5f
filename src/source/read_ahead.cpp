#include "source/read_ahead.hpp"

#include "util/log.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>

namespace imgbatch::detail {
namespace {

using steady = std::chrono::steady_clock;

enum class state : std::uint8_t { planned, waiting_retry, in_flight, ready, failed, freed };

struct range_state {
  planned_read plan;
  state st = state::planned;
  std::vector<std::uint8_t> bytes;
  std::string error;
  std::uint32_t taken = 0;
  int attempts = 0;
  steady::time_point retry_at{};
  std::int64_t next_of_record = -1;  // the record's next planned range (a sample drawn twice)
};

// One request in flight: its own buffer (the ranges may be replaced by a new pass meanwhile), moved
// into its range when it ends well.
struct transfer {
  CURL* easy = nullptr;
  std::size_t range = 0;
  std::uint64_t generation = 0;
  std::vector<std::uint8_t> bytes;
  std::uint64_t got = 0;
  char errbuf[CURL_ERROR_SIZE] = {};
};

}  // namespace

struct read_ahead::impl {
  std::vector<std::string> urls;
  http_options opt;
  http_counters& counters;
  std::uint64_t budget;
  int max_transfers;

  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<range_state> ranges;
  std::vector<std::int64_t> first_of_record;
  std::size_t next = 0;               // the next range to request
  std::size_t passed = 0;             // ranges below it are freed
  std::vector<std::size_t> retrying;  // ranges waiting for a retry
  std::vector<std::size_t> demanded;  // planned ranges a worker waits for: requested whatever the budget
  std::size_t frontier = 0;           // one past the furthest range a worker took from
  std::size_t lag = 0;
  std::uint64_t held = 0;        // bytes of ranges in flight or arrived and not freed
  std::uint64_t generation = 0;  // counts start()s: transfers of an older pass are discarded
  bool quit = false;

  CURLM* multi = nullptr;
  std::vector<std::unique_ptr<transfer>> idle, busy;
  std::thread thread;

  impl(std::vector<std::string> u, http_options o, http_counters& c, std::uint64_t b, int t)
      : urls(std::move(u)), opt(o), counters(c), budget(b), max_transfers(std::max(1, t)) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(max_transfers));
    thread = std::thread([this] { run(); });
  }

  ~impl() {
    {
      std::lock_guard lock(mutex);
      quit = true;
    }
    curl_multi_wakeup(multi);
    thread.join();
    for (auto& t : busy) {
      curl_multi_remove_handle(multi, t->easy);
      curl_easy_cleanup(t->easy);
    }
    for (auto& t : idle) curl_easy_cleanup(t->easy);
    curl_multi_cleanup(multi);
  }

  static std::size_t on_body(char* p, std::size_t size, std::size_t n, void* self) {
    auto* t = static_cast<transfer*>(self);
    const std::size_t bytes = size * n;
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 300) return bytes;
    if (status != 206 || t->got + bytes > t->bytes.size()) return 0;  // not the range asked for
    std::memcpy(t->bytes.data() + t->got, p, bytes);
    t->got += bytes;
    return bytes;
  }

  // Frees the ranges the workers have passed by `lag`; under the lock. One still in flight or waiting
  // for a retry holds the others back until it ends.
  void free_passed() {
    for (; passed < ranges.size() && passed + lag < frontier; ++passed) {
      range_state& r = ranges[passed];
      if (r.st == state::in_flight || r.st == state::waiting_retry) break;
      release(r);
    }
  }

  void release(range_state& r) {
    if (r.st == state::ready || r.st == state::in_flight || r.st == state::failed || r.st == state::waiting_retry)
      held -= r.plan.size;
    r.st = state::freed;
    std::vector<std::uint8_t>().swap(r.bytes);
  }

  void begin(std::size_t i) {
    range_state& r = ranges[i];
    if (r.st == state::planned) held += r.plan.size;
    r.st = state::in_flight;
    std::unique_ptr<transfer> t;
    if (!idle.empty()) {
      t = std::move(idle.back());
      idle.pop_back();
      curl_easy_reset(t->easy);
    } else {
      t = std::make_unique<transfer>();
      t->easy = curl_easy_init();
    }
    t->range = i;
    t->generation = generation;
    t->bytes.resize(static_cast<std::size_t>(r.plan.size));
    t->got = 0;
    t->errbuf[0] = 0;
    CURL* e = t->easy;
    const std::string range = std::to_string(r.plan.offset) + "-" + std::to_string(r.plan.offset + r.plan.size - 1);
    curl_easy_setopt(e, CURLOPT_URL, urls[r.plan.shard].c_str());
    curl_easy_setopt(e, CURLOPT_RANGE, range.c_str());  // copied by libcurl
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::ceil(opt.timeout_s * 1000)));
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(std::ceil(opt.timeout_s))));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &impl::on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    counters.requests.fetch_add(1, std::memory_order_relaxed);
    curl_multi_add_handle(multi, e);
    busy.push_back(std::move(t));
  }

  // A transfer ended: the range is ready, waits for a retry, or failed; under the lock.
  void finish(transfer* t, CURLcode rc) {
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    counters.bytes.fetch_add(t->got, std::memory_order_relaxed);
    if (t->generation != generation) return;  // a transfer of an earlier pass
    range_state& r = ranges[t->range];
    if (r.st != state::in_flight) return;  // freed meanwhile
    if (rc == CURLE_OK && status == 206 && t->got == r.plan.size) {
      r.st = state::ready;
      r.bytes.swap(t->bytes);
      return;
    }
    std::string why = rc != CURLE_OK  ? std::string(t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc))
                      : status == 200 ? "the server replied with the whole object, not the range asked for"
                      : status < 300
                          ? "received " + std::to_string(t->got) + " of " + std::to_string(r.plan.size) + " bytes"
                          : "HTTP " + std::to_string(status);
    const bool transient = (rc == CURLE_OK && (status >= 500 || status == 408 || status == 429)) ||
                           rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_RECV_ERROR ||
                           rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE;
    if (transient && r.attempts < opt.retries) {
      ++r.attempts;
      counters.retries.fetch_add(1, std::memory_order_relaxed);
      r.st = state::waiting_retry;
      retrying.push_back(t->range);
      r.retry_at = steady::now() + std::chrono::duration_cast<steady::duration>(
                                       std::chrono::duration<double>(opt.backoff_s * std::pow(2.0, r.attempts - 1)));
      return;
    }
    r.st = state::failed;
    r.error =
        urls[r.plan.shard] + ": " + why + (r.attempts ? " (after " + std::to_string(r.attempts) + " retries)" : "");
  }

  void run() {
    for (;;) {
      int running = 0;
      {
        std::unique_lock lock(mutex);
        if (quit) return;
        free_passed();
        const auto now = steady::now();
        // Retries that are due first, then new ranges in order, within the budget and the transfers.
        for (const std::size_t i : demanded)
          if (ranges[i].st == state::planned) begin(i);
        demanded.clear();
        for (std::size_t k = 0; k < retrying.size() && static_cast<int>(busy.size()) < max_transfers;) {
          const std::size_t i = retrying[k];
          if (ranges[i].st != state::waiting_retry) {
            retrying.erase(retrying.begin() + static_cast<std::ptrdiff_t>(k));
          } else if (ranges[i].retry_at <= now) {
            begin(i);
            retrying.erase(retrying.begin() + static_cast<std::ptrdiff_t>(k));
          } else {
            ++k;
          }
        }
        while (next < ranges.size() && static_cast<int>(busy.size()) < max_transfers &&
               (held == 0 || held + ranges[next].plan.size <= budget)) {
          if (ranges[next].st == state::planned) begin(next);
          ++next;
        }
      }
      curl_multi_perform(multi, &running);
      bool any = false;
      {
        std::lock_guard lock(mutex);
        int left = 0;
        while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
          if (m->msg != CURLMSG_DONE) continue;
          transfer* t = nullptr;
          curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
          const CURLcode rc = m->data.result;
          curl_multi_remove_handle(multi, m->easy_handle);
          finish(t, rc);
          auto it = std::find_if(busy.begin(), busy.end(), [&](const auto& b) { return b.get() == t; });
          idle.push_back(std::move(*it));
          busy.erase(it);
          any = true;
        }
      }
      if (any) arrived.notify_all();
      // Wakes for network activity, a wakeup (start, stop, take, quit) or a retry coming due.
      curl_multi_poll(multi, nullptr, 0, 20, nullptr);
    }
  }
};

read_ahead::read_ahead(std::vector<std::string> urls, http_options options, http_counters& counters,
                       std::uint64_t budget, int transfers)
    : impl_(std::make_unique<impl>(std::move(urls), options, counters, budget, transfers)) {}

read_ahead::~read_ahead() = default;

void read_ahead::start(std::vector<planned_read> plan, std::size_t lag, std::size_t records) {
  {
    std::lock_guard lock(impl_->mutex);
    for (range_state& r : impl_->ranges) impl_->release(r);
    impl_->ranges.clear();
    impl_->ranges.resize(plan.size());
    impl_->first_of_record.assign(records, -1);
    std::vector<std::int64_t> last(records, -1);
    for (std::size_t i = 0; i < plan.size(); ++i) {
      impl_->ranges[i].plan = plan[i];
      const auto rec = static_cast<std::size_t>(plan[i].record);
      if (last[rec] < 0) impl_->first_of_record[rec] = static_cast<std::int64_t>(i);
      else impl_->ranges[static_cast<std::size_t>(last[rec])].next_of_record = static_cast<std::int64_t>(i);
      last[rec] = static_cast<std::int64_t>(i);
    }
    impl_->next = 0;
    impl_->passed = 0;
    impl_->retrying.clear();
    impl_->demanded.clear();
    impl_->frontier = 0;
    impl_->lag = lag;
    ++impl_->generation;
  }
  curl_multi_wakeup(impl_->multi);
}

void read_ahead::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    for (range_state& r : impl_->ranges) impl_->release(r);
    impl_->next = impl_->ranges.size();
  }
  curl_multi_wakeup(impl_->multi);
}

bool read_ahead::take(std::uint64_t record, std::uint32_t shard, std::uint64_t offset, std::uint64_t size,
                      std::vector<std::uint8_t>& out, std::string& error) {
  std::unique_lock lock(impl_->mutex);
  if (record >= impl_->first_of_record.size()) return false;
  for (std::int64_t i = impl_->first_of_record[record]; i >= 0;
       i = impl_->ranges[static_cast<std::size_t>(i)].next_of_record) {
    const auto k = static_cast<std::size_t>(i);
    range_state& r = impl_->ranges[k];
    if (r.st == state::freed || r.plan.shard != shard || offset < r.plan.offset ||
        offset + size > r.plan.offset + r.plan.size)
      continue;
    impl_->frontier = std::max(impl_->frontier, k + 1);
    if (r.st == state::planned) {
      // Not requested yet (the budget is held by ranges before it): requested now, whatever the budget.
      impl_->demanded.push_back(k);
      curl_multi_wakeup(impl_->multi);
    }
    // Bounded: each attempt ends within its timeouts, then the backoffs.
    const auto deadline =
        steady::now() + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(
                            (impl_->opt.timeout_s * 4 + impl_->opt.backoff_s * 2) * (impl_->opt.retries + 1) + 10));
    while (r.st == state::in_flight || r.st == state::waiting_retry || r.st == state::planned) {
      if (impl_->arrived.wait_until(lock, deadline) == std::cv_status::timeout) {
        error = impl_->urls[shard] + ": no reply before the read-ahead's deadline";
        return true;
      }
    }
    if (r.st == state::failed) {
      error = r.error;
    } else if (r.st == state::ready) {
      const auto at = static_cast<std::size_t>(offset - r.plan.offset);
      out.assign(r.bytes.begin() + static_cast<std::ptrdiff_t>(at),
                 r.bytes.begin() + static_cast<std::ptrdiff_t>(at + size));
      if (++r.taken >= r.plan.parts) impl_->release(r);
    } else {
      return false;  // freed while waiting (a new pass)
    }
    lock.unlock();
    curl_multi_wakeup(impl_->multi);  // budget may be free for the next range
    return true;
  }
  return false;
}

}  // namespace imgbatch::detail
