#pragma once

#include <imgbatch/tensor.hpp>

#include <string>

namespace imgbatch::detail {

/// Writes a tensor as a NumPy .npy file, format 1.0, little-endian, C order.
/// Throws imgbatch::error naming the file.
void write_npy(const std::string& path, const tensor& t);

/// The .npy header for a dtype and shape (magic, version, padded dict), as written by write_npy.
std::string npy_header(dtype type, const std::vector<std::int64_t>& shape);

}  // namespace imgbatch::detail
