#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imgbatch::detail {

/// Reads a whole file into `out`, reusing its capacity. Returns an empty string on success, otherwise
/// the reason (errno text). With `largest` (shared by the buffers of one loader), a buffer smaller than
/// the largest capacity any of them needed so far grows to it at once, so that the buffers stop
/// growing after one pass over the data instead of each meeting its own larger files later.
/// A file larger than `max_bytes` is refused before anything is read or allocated; one that shrinks
/// while it is read is reported as changed.
std::string read_file(const std::string& path, std::vector<std::uint8_t>& out,
                      std::atomic<std::size_t>* largest = nullptr, std::uint64_t max_bytes = std::uint64_t{1} << 30);

/// Reads a metadata file whole (annotations, labels, a manifest, class names, a spec, a quarantine) into
/// `out`, with at least `padding` bytes of capacity beyond its size (for a parser that reads ahead).
/// Only a regular file is read: a FIFO is refused without waiting for a writer, a directory or a device
/// by name, and a file larger than `max_bytes` before anything is allocated (`limit_name` says which
/// setting bounds it). Returns an empty string on success, otherwise the reason, without the path.
std::string read_metadata(const std::string& path, std::uint64_t max_bytes, std::string_view limit_name,
                          std::string& out, std::size_t padding = 0);

/// Calls `line(text, number)` for every line of `text` (without its `\n` or `\r\n`), numbered from 1.
template <class F>
void for_each_line(std::string_view text, F&& line) {
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view l = text.substr(0, end);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    line(l, ++number);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

/// Writes bytes to a file, replacing it; throws imgbatch::error naming the file on failure.
void write_file(const std::string& path, const void* data, std::size_t size);

}  // namespace imgbatch::detail
