#include "source/file_source.hpp"

#include "util/file.hpp"

namespace imgbatch::detail {

std::string file_source::fetch(const sample_record&, const sample_file& f, std::vector<std::uint8_t>& out,
                               const read_limits& limits) const {
  return read_file(f.name, out, limits.largest, limits.max_bytes);
}

}  // namespace imgbatch::detail
