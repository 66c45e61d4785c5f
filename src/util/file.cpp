#include "util/file.hpp"

#include <imgbatch/error.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace imgbatch::detail {

std::string read_file(const std::string& path, std::vector<std::uint8_t>& out, std::atomic<std::size_t>* largest,
                      std::uint64_t max_bytes) {
  // O_NONBLOCK: a FIFO named like an image must not block the open; it is refused below.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::strerror(errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return why;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return S_ISDIR(st.st_mode) ? "is a directory, not a file" : "not a regular file (a FIFO, socket or device)";
  }
  // Grown to a power of two: a buffer reused file after file stops growing after a few files instead of
  // at every file larger than all before.
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return "file is " + std::to_string(st.st_size) + " bytes, above the limit of " + std::to_string(max_bytes) +
           " (decode.max_file_bytes)";
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  // Also a buffer that holds this file but not the largest any has needed grows now: in the epochs
  // after the first, no buffer grows on meeting a large file for the first time.
  const std::size_t seen_before = largest ? largest->load(std::memory_order_relaxed) : 0;
  if (out.capacity() < std::max(size, seen_before)) {
    std::size_t want = std::bit_ceil(size);
    if (largest) {
      std::size_t seen = seen_before;
      while (seen < want && !largest->compare_exchange_weak(seen, want, std::memory_order_relaxed)) {
      }
      want = std::max(want, seen);
    }
    out.reserve(want);
  }
  out.resize(size);
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string why = std::strerror(errno);
      ::close(fd);
      return why;
    }
    if (n == 0) break;  // file shrank while reading
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(done);
  if (size == 0) return "empty file";
  if (done < size)
    return "file changed while it was read: " + std::to_string(done) + " of the " + std::to_string(size) +
           " bytes it had when opened";
  return {};
}

void write_file(const std::string& path, const void* data, std::size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw error(path + ": cannot write: " + std::strerror(errno));
  bool ok = std::fwrite(data, 1, size, f) == size;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) throw error(path + ": write failed: " + std::strerror(errno));
}

}  // namespace imgbatch::detail
