#include "cli/npy.hpp"
#include "support/fixtures.hpp"
#include "util/file.hpp"

#include <doctest/doctest.h>

#include <cstring>

using namespace imgbatch;

TEST_CASE("npy: header is NumPy format 1.0, padded to 64 bytes, shape as a tuple") {
  const std::string h = detail::npy_header(dtype::float32, {2, 3, 4, 5});
  CHECK(h.size() % 64 == 0);
  CHECK(h.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  CHECK(static_cast<unsigned char>(h[8]) + 256 * static_cast<unsigned char>(h[9]) == h.size() - 10);
  CHECK(h.find("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4, 5), }") == 10);
  CHECK(h.back() == '\n');
  CHECK(detail::npy_header(dtype::int64, {7}).find("'shape': (7,)") != std::string::npos);
  CHECK(detail::npy_header(dtype::uint8, {1}).find("'|u1'") != std::string::npos);
}

TEST_CASE("npy: the data follows the header byte for byte") {
  test::temp_dir dir;
  tensor t;
  t.reshape(dtype::int32, {2, 2});
  for (int i = 0; i < 4; ++i) t.data<std::int32_t>()[i] = i * 1000 - 1;
  detail::write_npy((dir / "t.npy").string(), t);
  std::vector<std::uint8_t> bytes;
  REQUIRE(detail::read_file((dir / "t.npy").string(), bytes).empty());
  const std::size_t header = detail::npy_header(dtype::int32, {2, 2}).size();
  REQUIRE(bytes.size() == header + 16);
  std::int32_t v[4];
  std::memcpy(v, bytes.data() + header, 16);
  CHECK(v[0] == -1);
  CHECK(v[3] == 2999);
}
