#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
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

/// Writes bytes to a file, replacing it; throws imgbatch::error naming the file on failure.
void write_file(const std::string& path, const void* data, std::size_t size);

}  // namespace imgbatch::detail
