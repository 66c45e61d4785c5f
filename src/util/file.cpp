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

namespace {

// An open file descriptor, closed on scope exit.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

// Opens `path` for reading if it is a regular file of at most `max_bytes`; returns the reason otherwise.
// O_NONBLOCK: a FIFO must not block the open (it is refused by its type); a regular file ignores it.
std::string open_regular(const std::string& path, std::uint64_t max_bytes, std::string_view limit_name, fd_guard& f,
                         std::size_t& size) {
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (f.fd < 0) return std::strerror(errno);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return std::strerror(errno);
  if (!S_ISREG(st.st_mode))
    return S_ISDIR(st.st_mode) ? "is a directory, not a file" : "not a regular file (a FIFO, socket or device)";
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
    return "file is " + std::to_string(st.st_size) + " bytes, above the limit of " + std::to_string(max_bytes) + " (" +
           std::string(limit_name) + ")";
  size = static_cast<std::size_t>(st.st_size);
  return {};
}

// Reads up to `size` bytes into `into`; returns the count read (short when the file shrank) or the reason.
std::string read_up_to(int fd, void* into, std::size_t size, std::size_t& done) {
  done = 0;
  auto* p = static_cast<char*>(into);
  while (done < size) {
    ssize_t n = ::read(fd, p + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::strerror(errno);
    }
    if (n == 0) break;  // the file shrank while it was read
    done += static_cast<std::size_t>(n);
  }
  return {};
}

std::string shrank(std::size_t done, std::size_t size) {
  return "file changed while it was read: " + std::to_string(done) + " of the " + std::to_string(size) +
         " bytes it had when opened";
}

}  // namespace

std::string read_file(const std::string& path, std::vector<std::uint8_t>& out, std::atomic<std::size_t>* largest,
                      std::uint64_t max_bytes) {
  fd_guard f;
  std::size_t size = 0;
  if (auto why = open_regular(path, max_bytes, "decode.max_file_bytes", f, size); !why.empty()) return why;
  // Grown to a power of two: a buffer reused file after file stops growing after a few files instead of
  // at every file larger than all before. Also a buffer that holds this file but not the largest any has
  // needed grows now: in the epochs after the first, no buffer grows on meeting a large file for the
  // first time.
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
  if (auto why = read_up_to(f.fd, out.data(), size, done); !why.empty()) return why;
  out.resize(done);
  if (size == 0) return "empty file";
  if (done < size) return shrank(done, size);
  return {};
}

std::string read_metadata(const std::string& path, std::uint64_t max_bytes, std::string_view limit_name,
                          std::string& out, std::size_t padding) {
  fd_guard f;
  std::size_t size = 0;
  out.clear();
  if (auto why = open_regular(path, max_bytes, limit_name, f, size); !why.empty()) return why;
  out.reserve(size + padding);
  out.resize(size);
  std::size_t done = 0;
  if (auto why = read_up_to(f.fd, out.data(), size, done); !why.empty()) return why;
  out.resize(done);
  if (done < size) return shrank(done, size);
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
