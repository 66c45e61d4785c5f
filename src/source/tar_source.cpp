#include "source/tar_source.hpp"

#include <imgbatch/error.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace imgbatch::detail {

tar_source::tar_source(std::vector<shard> shards) : shards_(std::move(shards)) {
  fds_.reserve(shards_.size());
  for (std::uint32_t k = 0; k < shards_.size(); ++k) {
    const int fd = ::open(shards_[k].path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const std::string why = std::strerror(errno);
      for (int f : fds_) ::close(f);
      throw dataset_error(shards_[k].path + ": cannot open the shard: " + why);
    }
    fds_.push_back(fd);
    by_path_.emplace(shards_[k].path, k);
  }
}

tar_source::~tar_source() {
  for (int f : fds_) ::close(f);
}

std::string tar_source::read_at(std::uint32_t k, std::uint64_t offset, std::uint64_t size, void* out) const {
  auto* p = static_cast<char*>(out);
  std::uint64_t done = 0;
  while (done < size) {
    const ssize_t n =
        ::pread(fds_[k], p + done, static_cast<std::size_t>(size - done), static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::strerror(errno);
    }
    if (n == 0)
      return "the shard ends at byte " + std::to_string(offset + done) + ", before the member's " +
             std::to_string(size) + " bytes from byte " + std::to_string(offset) +
             " (truncated, or changed since it was indexed)";
    done += static_cast<std::uint64_t>(n);
  }
  return {};
}

std::string tar_source::fetch(const sample_file& f, std::vector<std::uint8_t>& out, const read_limits& limits) const {
  if (f.at.container >= shards_.size()) return "internal: the member's shard is not in the source";
  if (f.at.size > limits.max_bytes)
    return "the member is " + std::to_string(f.at.size) + " bytes, more than decode.max_file_bytes (" +
           std::to_string(limits.max_bytes) + ")";
  const auto size = static_cast<std::size_t>(f.at.size);
  if (limits.largest) {
    const std::size_t want = std::max(size, limits.largest->load(std::memory_order_relaxed));
    if (out.capacity() < want) out.reserve(want);
    std::size_t seen = limits.largest->load(std::memory_order_relaxed);
    while (seen < size && !limits.largest->compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
    }
  }
  out.resize(size);
  return read_at(f.at.container, f.at.offset, f.at.size, out.data());
}

std::string tar_source::identity(const std::string& name) const {
  // "<shard>#<member>": the shard is the prefix before one of the '#' (a path may hold '#' itself).
  for (std::size_t hash = name.find('#'); hash != std::string::npos; hash = name.find('#', hash + 1))
    if (auto it = by_path_.find(name.substr(0, hash)); it != by_path_.end())
      return shards_[it->second].identity + name.substr(hash);
  return name;
}

}  // namespace imgbatch::detail
