#pragma once

#include <imgbatch/spec.hpp>

#include "source/http_client.hpp"
#include "source/read_ahead.hpp"
#include "source/sample_source.hpp"
#include "source/shard_index.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace imgbatch::detail {

/// Members of tar shards (WebDataset shards, indexed access), on a local disk (read by offset) or on an
/// HTTP(S) server (range requests). A member's display id is "<shard>#<member name>", the shard as the
/// spec resolved it (a path or a URL); its identity the shard's path from the dataset's root (or its
/// URL), '#', and the member name.
class tar_source final : public sample_source {
 public:
  struct shard {
    std::string location;  ///< a path, or an http(s):// URL: what messages show
    std::string identity;  ///< the path from the dataset's root, or the URL
  };
  /// Opens every local shard; throws dataset_error naming one that cannot be opened.
  /// Remote shards are read ahead within `read_ahead_bytes`, `max_requests` requests at once.
  tar_source(std::vector<shard> shards, http_options http, std::uint64_t read_ahead_bytes, int max_requests);
  ~tar_source() override;
  tar_source(const tar_source&) = delete;
  tar_source& operator=(const tar_source&) = delete;

  std::string fetch(const sample_record& record, const sample_file& f, std::vector<std::uint8_t>& out,
                    const read_limits& limits) const override;
  void begin_pass(const dataset_index& index, std::span<const std::uint64_t> ids, std::size_t lag) const override;
  void end_pass() const override;
  std::string identity(const std::string& name) const override;

  /// The display id of member `member` of shard `k`.
  std::string name_of(std::uint32_t k, const std::string& member) const { return shards_[k].location + "#" + member; }
  /// Reads `size` bytes at `offset` of shard `k` into `out`; returns "" or the reason.
  std::string read_at(std::uint32_t k, std::uint64_t offset, std::uint64_t size, void* out) const;
  /// Shard `k`'s size and version now; throws dataset_error naming it when it cannot be reached.
  shard_stamp stamp(std::uint32_t k) const;
  /// Walks shard `k`'s headers (a local shard by offset; a remote one in one streaming request), keeping
  /// the bytes of the members `keep` names. A shard cut short or corrupt gives the members before the
  /// fault and says why in `damage`; one that cannot be read at all throws dataset_error naming it.
  shard_listing list(std::uint32_t k, const std::function<bool(const std::string&)>& keep) const;
  const std::vector<shard>& shards() const noexcept { return shards_; }
  io_counts io() const override;
  /// Counts a shard whose index came from the cache.
  void count_index_cache_hit() const noexcept { index_cache_hits_.fetch_add(1, std::memory_order_relaxed); }

 private:
  bool remote(std::uint32_t k) const noexcept { return fds_[k] < 0; }
  shard_listing list_local(std::uint32_t k, const std::function<bool(const std::string&)>& keep) const;
  shard_listing list_remote(std::uint32_t k, const std::function<bool(const std::string&)>& keep) const;
  std::vector<shard> shards_;
  std::vector<int> fds_;  // -1 for a remote shard
  std::unordered_map<std::string, std::uint32_t> by_location_;
  /// In a process forked from the one that made them, the clients' connections and the read-ahead's
  /// thread are the parent's: they are left untouched (never destroyed) and made anew.
  void check_fork() const;
  mutable std::unique_ptr<http_pool> http_;
  mutable std::unique_ptr<read_ahead> ahead_;  // null without remote shards
  http_options http_options_;
  std::uint64_t read_ahead_bytes_;
  int max_requests_;
  mutable std::atomic<int> pid_;
  mutable std::atomic<std::uint64_t> index_cache_hits_{0};
};

}  // namespace imgbatch::detail
