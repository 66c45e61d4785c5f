#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace imgbatch::detail {

/// Writes a POSIX tar archive (ustar headers; a pax `path` record before a member whose name does not
/// fit ustar's 100 bytes) that GNU tar, Python's tarfile and WebDataset read. Every member is a regular
/// file, mode 0644, owner 0, modification time 0, so the same members give the same bytes. Throws
/// imgbatch::error naming the archive when a write fails.
class tar_writer {
 public:
  explicit tar_writer(std::string path);
  ~tar_writer();
  tar_writer(const tar_writer&) = delete;
  tar_writer& operator=(const tar_writer&) = delete;

  void add(std::string_view name, const void* data, std::size_t size);
  /// Writes the two zero blocks that end the archive and closes it.
  void close();
  /// Bytes written so far.
  std::uint64_t size() const noexcept { return written_; }

 private:
  void write(const void* data, std::size_t size);
  void header(std::string_view name, std::uint64_t size, char type);
  std::string path_;
  std::FILE* f_ = nullptr;
  std::uint64_t written_ = 0;
};

}  // namespace imgbatch::detail
