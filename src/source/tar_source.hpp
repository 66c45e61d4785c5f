#pragma once

#include <imgbatch/spec.hpp>

#include "source/sample_source.hpp"

#include <string>
#include <unordered_map>
#include <vector>

namespace imgbatch::detail {

/// Members of tar shards on a local disk, read by offset (WebDataset shards, indexed access). A member's
/// display id is "<shard>#<member name>" (the shard's path as the spec resolved it); its identity the
/// shard's path from the dataset's root, '#', and the member name. Each shard is opened once.
class tar_source final : public sample_source {
 public:
  struct shard {
    std::string path;      ///< as resolved: what messages show
    std::string identity;  ///< path from the dataset's root
  };
  /// Opens every shard for reading; throws dataset_error naming one that cannot be opened.
  explicit tar_source(std::vector<shard> shards);
  ~tar_source() override;
  tar_source(const tar_source&) = delete;
  tar_source& operator=(const tar_source&) = delete;

  std::string fetch(const sample_file& f, std::vector<std::uint8_t>& out, const read_limits& limits) const override;
  std::string identity(const std::string& name) const override;

  /// The display id of member `member` of shard `k`.
  std::string name_of(std::uint32_t k, const std::string& member) const { return shards_[k].path + "#" + member; }
  /// Reads `size` bytes at `offset` of shard `k` into `out`; returns "" or the reason.
  std::string read_at(std::uint32_t k, std::uint64_t offset, std::uint64_t size, void* out) const;
  const std::vector<shard>& shards() const noexcept { return shards_; }
  int fd(std::uint32_t k) const noexcept { return fds_[k]; }

 private:
  std::vector<shard> shards_;
  std::vector<int> fds_;
  std::unordered_map<std::string, std::uint32_t> by_path_;
};

}  // namespace imgbatch::detail
