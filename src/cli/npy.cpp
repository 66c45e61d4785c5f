#include "cli/npy.hpp"

#include <imgbatch/error.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace imgbatch::detail {

std::string npy_header(dtype type, const std::vector<std::int64_t>& shape) {
  const char* descr = "|u1";
  switch (type) {
    case dtype::uint8:
      descr = "|u1";
      break;
    case dtype::uint16:
      descr = "<u2";
      break;
    case dtype::int32:
      descr = "<i4";
      break;
    case dtype::int64:
      descr = "<i8";
      break;
    case dtype::float32:
      descr = "<f4";
      break;
  }
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    dict += std::to_string(shape[i]);
    dict += (shape.size() == 1 || i + 1 < shape.size()) ? "," : "";
    if (i + 1 < shape.size()) dict += " ";
  }
  dict += "), }";
  // magic(6) + version(2) + length(2) + dict + padding + '\n', a multiple of 64 bytes.
  std::size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  const auto len = static_cast<std::uint16_t>(dict.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  return out + dict;
}

void write_npy(const std::string& path, const tensor& t) {
  std::vector<std::int64_t> shape(t.shape().begin(), t.shape().end());
  const std::string header = npy_header(t.type(), shape);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw error(path + ": cannot write: " + std::strerror(errno));
  bool ok = std::fwrite(header.data(), 1, header.size(), f) == header.size();
  ok = ok && std::fwrite(t.raw(), 1, t.nbytes(), f) == t.nbytes();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) throw error(path + ": write failed");
}

}  // namespace imgbatch::detail
