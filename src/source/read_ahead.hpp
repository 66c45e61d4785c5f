#pragma once

#include "source/http_client.hpp"

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace imgbatch::detail {

/// One byte range a pass will read: the files of one sample in one remote shard, which a WebDataset
/// writer puts next to each other, so one request brings them all.
struct planned_read {
  std::uint64_t record = 0;
  std::uint32_t shard = 0;
  std::uint64_t offset = 0, size = 0;
  std::uint32_t parts = 1;  ///< the files the range holds: once each is taken, its bytes are freed
};

/// Reads ahead of the workers: the ranges a pass will read, requested in the pass's order through
/// libcurl's multi interface on a thread of its own (up to `transfers` at once over reused connections,
/// retried as http_client retries), while the bytes fetched and in flight stay within `budget`. A worker
/// asking for bytes of a planned range takes them when they have arrived, or waits for them (one not
/// requested yet is requested then, whatever the budget, so a worker never waits on the budget); a range
/// the workers have passed by `lag` ranges without taking all of it (its sample failed first) is freed.
/// What was not planned (a substitute) or was freed is read by the caller itself. The order the bytes
/// arrive in never changes what a worker gets, so batches stay the same.
class read_ahead {
 public:
  read_ahead(std::vector<std::string> urls, http_options options, http_counters& counters, std::uint64_t budget,
             int transfers);
  ~read_ahead();
  read_ahead(const read_ahead&) = delete;
  read_ahead& operator=(const read_ahead&) = delete;

  /// A new pass reads `plan`, in this order; whatever an earlier pass planned is dropped.
  void start(std::vector<planned_read> plan, std::size_t lag, std::size_t records);
  /// The pass is over: nothing more is fetched, what was fetched is freed.
  void stop();
  /// Bytes [offset, offset + size) of shard `shard` for `record`: when a planned range holds them,
  /// copies them into `out` once they have arrived (or sets `error` to the reason its request failed)
  /// and returns true; returns false when no planned range (still held) has them.
  bool take(std::uint64_t record, std::uint32_t shard, std::uint64_t offset, std::uint64_t size,
            std::vector<std::uint8_t>& out, std::string& error);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace imgbatch::detail
