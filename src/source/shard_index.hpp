#pragma once

#include "source/tar_members.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace imgbatch::detail {

/// A shard's members as indexing found them, with the bytes of those it was asked to keep (annotation
/// members, so that indexing needs no second read of them).
struct shard_listing {
  std::vector<tar_member> members;
  std::vector<std::string> kept;  ///< per member: its bytes when kept, else empty
  /// Set when the walk stopped before the archive's end: why, and where ("after member X").
  std::string damage;
};

/// What a shard was when it was indexed: its size, and its modification time (a local file) or ETag
/// (else Last-Modified) (a server's object). An index is used only while both still match.
struct shard_stamp {
  std::uint64_t size = 0;
  std::string version;
  bool operator==(const shard_stamp&) const = default;
};

/// Shard indexes kept in `dir`/shard-index, one file per shard named by a hash of its identity, each
/// holding the identity and stamp it was made for. Written to a temporary file and renamed, so several
/// processes may fill it at once and none reads half an index. An index that cannot be read is made anew.
class shard_index_cache {
 public:
  explicit shard_index_cache(std::filesystem::path dir) : dir_(std::move(dir)) {}
  /// The listing kept for `identity`, when it was made for `stamp` (any stamp when null).
  std::optional<shard_listing> load(const std::string& identity, const shard_stamp* stamp) const;
  /// Stores an undamaged listing; failing to write is logged, not an error (the index is made again).
  void store(const std::string& identity, const shard_stamp& stamp, const shard_listing& listing) const;
  const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  std::filesystem::path file_of(const std::string& identity) const;
  std::filesystem::path dir_;
};

/// io.cache_dir resolved: the spec's, else $IMGBATCH_CACHE_DIR, else $XDG_CACHE_HOME/imgbatch, else
/// ~/.cache/imgbatch.
std::filesystem::path cache_dir(const std::filesystem::path& configured, const std::filesystem::path& base_dir);

}  // namespace imgbatch::detail
