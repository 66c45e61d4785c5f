// Shard names and tar headers, checked against hand-built inputs: brace patterns as Python's braceexpand
// (and so WebDataset) expands them, and header fields as POSIX and GNU tar define them.
#include <imgbatch/error.hpp>

#include "encode/tar_writer.hpp"
#include "source/brace_expand.hpp"
#include "source/tar_members.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace imgbatch;
using namespace imgbatch::detail;
using names = std::vector<std::string>;

TEST_CASE("brace_expand: ranges, alternatives, padding and nesting as braceexpand") {
  CHECK(brace_expand("a.tar", "k") == names{"a.tar"});
  CHECK(brace_expand("s-{000000..000003}.tar", "k") ==
        names{"s-000000.tar", "s-000001.tar", "s-000002.tar", "s-000003.tar"});
  CHECK(brace_expand("{8..11}", "k") == names{"8", "9", "10", "11"});             // no padding asked
  CHECK(brace_expand("{08..11}", "k") == names{"08", "09", "10", "11"});          // padded to the wider bound
  CHECK(brace_expand("{3..1}", "k") == names{"3", "2", "1"});                     // descending
  CHECK(brace_expand("{0..10..5}", "k") == names{"0", "5", "10"});                // a step
  CHECK(brace_expand("{a,b}-{1..2}", "k") == names{"a-1", "a-2", "b-1", "b-2"});  // leftmost slowest
  CHECK(brace_expand("x{a,{b,c}d}", "k") == names{"xa", "xbd", "xcd"});           // nested
  CHECK(brace_expand("{a}", "k") == names{"{a}"});                                // one alternative: literal
  CHECK_THROWS_WITH_AS(brace_expand("s-{0..3.tar", "dataset.urls[0]"),
                       "dataset.urls[0]: 's-{0..3.tar': a '{' without its '}'", config_error);
  CHECK_THROWS_WITH_AS(brace_expand("s-0}.tar", "k"), "k: 's-0}.tar': a '}' without its '{'", config_error);
  CHECK_THROWS_WITH_AS(brace_expand("{0..99}{0..99}", "k", 1000), "k: '{0..99}{0..99}': it names more than 1000 shards",
                       config_error);
}

namespace {

// A ustar header block for a regular file `name` of `size` bytes (size field as given), checksummed.
std::vector<unsigned char> header(const std::string& name, const char* size_field, char type = '0') {
  std::vector<unsigned char> h(512, 0);
  std::memcpy(h.data(), name.data(), name.size());
  std::memcpy(h.data() + 100, "0000644", 7);
  std::memcpy(h.data() + 124, size_field, std::strlen(size_field));
  h[156] = static_cast<unsigned char>(type);
  std::memcpy(h.data() + 257,
              "ustar\0"
              "00",
              8);
  std::memset(h.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(reinterpret_cast<char*>(h.data() + 148), 8, "%06o", sum);
  return h;
}

}  // namespace

TEST_CASE("tar_walker: sizes in octal and base-256, members at pos + 512, bad fields named") {
  tar_walker w;
  auto h = header("a/b.jpg", "00000001750");  // octal 1750 = 1000
  REQUIRE(w.header(h.data(), 1024) == tar_walker::step::member);
  CHECK(w.member().name == "a/b.jpg");
  CHECK(w.member().offset == 1536);
  CHECK(w.member().size == 1000);
  CHECK(tar_walker::padded(1000) == 1024);

  // GNU base-256: 0x80, then big-endian bytes: 2^33 + 5 bytes.
  auto big = header("big.bin", "");
  big[124] = 0x80;
  big[124 + 7] = 0x02;  // 2^33 = 0x2'0000'0000: byte 7 of 12 holds bits 32..39
  big[124 + 11] = 0x05;
  std::memset(big.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : big) sum += c;
  std::snprintf(reinterpret_cast<char*>(big.data() + 148), 8, "%06o", sum);
  REQUIRE(w.header(big.data(), 0) == tar_walker::step::member);
  CHECK(w.member().size == (std::uint64_t{1} << 33) + 5);

  auto bad = header("x.jpg", "12a4");
  CHECK_THROWS_WITH_AS(w.header(bad.data(), 0), "size in a header is not an octal number ('12a4')", tar_error);
  auto flipped = header("x.jpg", "1");
  flipped[0] ^= 0x01;
  CHECK_THROWS_WITH_AS(w.header(flipped.data(), 2048),
                       doctest::Contains("corrupt header at byte 2048 (its checksum is"), tar_error);
  std::vector<unsigned char> zero(512, 0);
  CHECK(w.header(zero.data(), 0) == tar_walker::step::end);
  auto dir = header("d/", "0", '5');
  CHECK(w.header(dir.data(), 0) == tar_walker::step::skip);
}

TEST_CASE("tar_walker: a pax header's path and size apply to the next member only") {
  tar_walker w;
  auto x = header("PaxHeader", "0", 'x');
  REQUIRE(w.header(x.data(), 0) == tar_walker::step::metadata);
  const std::string long_name(300, 'n');
  std::string rec = " path=" + long_name + "\n";
  rec = std::to_string(rec.size() + 3) + rec;  // the length counts its own 3 digits
  rec += "20 size=12345678901\n";
  w.metadata(rec);
  auto h = header("short", "0");
  REQUIRE(w.header(h.data(), 512) == tar_walker::step::member);
  CHECK(w.member().name == long_name);
  CHECK(w.member().size == 12345678901ull);
  CHECK(w.data_size() == 12345678901ull);  // the data to skip is the pax size, not the header's 0
  REQUIRE(w.header(h.data(), 1024) == tar_walker::step::member);
  CHECK(w.member().name == "short");
  CHECK(w.member().size == 0);
  auto x2 = header("PaxHeader", "0", 'x');
  REQUIRE(w.header(x2.data(), 0) == tar_walker::step::metadata);
  CHECK_THROWS_WITH_AS(w.metadata("8 pathx\n"), "a pax header record has no '='", tar_error);
}

TEST_CASE("tar_writer: a name past 100 bytes gets a pax path record whose length counts itself") {
  // "<len> path=<name>\n": for a 101-byte name the record is 3 + 6 + 101 + 1 = 111 bytes, its length
  // written in 3 digits; for a 990-byte name 997 + 3 = 1000 does not hold its 4 digits: 1001.
  const auto dir = std::filesystem::temp_directory_path() / ("imgbatch-tar-writer-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const auto& [len, record] : {std::pair<std::size_t, std::string>{101, "111 path="},
                                    std::pair<std::size_t, std::string>{990, "1001 path="}}) {
    const std::string name(len, 'n');
    const std::string path = (dir / "t.tar").string();
    {
      tar_writer w(path);
      w.add(name, "abc", 3);
      w.close();
    }
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(bytes[156] == 'x');                               // a pax header first
    CHECK(bytes.compare(512, record.size(), record) == 0);  // its record's length
    CHECK(bytes.compare(512 + record.size(), len, name) == 0);
    const std::size_t rec_len = std::stoul(record.substr(0, record.find(' ')));
    CHECK(bytes[512 + rec_len - 1] == '\n');
    // Walked back: the member has the long name and its 3 bytes.
    tar_walker walker;
    std::size_t pos = 0;
    REQUIRE(walker.header(reinterpret_cast<const unsigned char*>(bytes.data()), 0) == tar_walker::step::metadata);
    walker.metadata(std::string_view(bytes).substr(512, walker.data_size()));
    pos = 512 + tar_walker::padded(walker.data_size());
    REQUIRE(walker.header(reinterpret_cast<const unsigned char*>(bytes.data() + pos), pos) == tar_walker::step::member);
    CHECK(walker.member().name == name);
    CHECK(walker.member().size == 3);
    CHECK(bytes.compare(walker.member().offset, 3, "abc") == 0);
    CHECK(bytes.size() == pos + 512 + 512 + 1024);  // the member's block, then the two end blocks
  }
  std::filesystem::remove_all(dir);
}
