#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace imgbatch::detail {

/// Reads a whole file into `out`, reusing its capacity. Returns an empty string on success, otherwise
/// the reason (errno text).
std::string read_file(const std::string& path, std::vector<std::uint8_t>& out);

/// Writes bytes to a file, replacing it; throws imgbatch::error naming the file on failure.
void write_file(const std::string& path, const void* data, std::size_t size);

}  // namespace imgbatch::detail
