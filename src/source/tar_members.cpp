#include "source/tar_members.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>

namespace imgbatch::detail {
namespace {

std::string_view field(const unsigned char* h, std::size_t at, std::size_t len) {
  const char* p = reinterpret_cast<const char*>(h + at);
  return {p, static_cast<std::size_t>(std::find(p, p + len, '\0') - p)};
}

// A numeric field: octal digits between optional spaces and NULs, or base-256 (GNU) when the first
// byte's top bit is set.
std::uint64_t number(const unsigned char* h, std::size_t at, std::size_t len, const char* what) {
  if (h[at] & 0x80) {
    if (h[at] & 0x40) throw tar_error(std::string("negative ") + what + " in a header");
    std::uint64_t v = h[at] & 0x3f;
    for (std::size_t i = 1; i < len; ++i) {
      if (v >> 56) throw tar_error(std::string(what) + " in a header does not fit 64 bits");
      v = (v << 8) | h[at + i];
    }
    return v;
  }
  std::size_t i = at, end = at + len;
  while (i < end && h[i] == ' ') ++i;
  std::uint64_t v = 0;
  bool any = false;
  for (; i < end && h[i] >= '0' && h[i] <= '7'; ++i) {
    if (v >> 61) throw tar_error(std::string(what) + " in a header does not fit 64 bits");
    v = v * 8 + static_cast<std::uint64_t>(h[i] - '0');
    any = true;
  }
  for (; i < end; ++i)
    if (h[i] != ' ' && h[i] != '\0')
      throw tar_error(std::string(what) + " in a header is not an octal number ('" + std::string(field(h, at, len)) +
                      "')");
  if (!any && std::string_view(what) != "checksum") return 0;
  if (!any) throw tar_error("a header has no checksum");
  return v;
}

bool all_zero(const unsigned char* h) {
  for (std::size_t i = 0; i < tar_walker::block; ++i)
    if (h[i]) return false;
  return true;
}

}  // namespace

tar_walker::step tar_walker::header(const unsigned char* h, std::uint64_t pos) {
  if (pending_ != pending::none) throw tar_error("internal: a metadata entry's data was not read");
  if (all_zero(h)) {
    if (!next_name_.empty() || has_next_size_)
      throw tar_error("the archive ends after a long name or pax header, before its member");
    return step::end;
  }
  // The checksum: the sum of the header's bytes with its own field read as spaces (unsigned, or signed
  // as some old writers summed).
  const std::uint64_t stored = number(h, 148, 8, "checksum");
  std::uint64_t sum_u = 0;
  std::int64_t sum_s = 0;
  for (std::size_t i = 0; i < block; ++i) {
    const unsigned char c = i >= 148 && i < 156 ? ' ' : h[i];
    sum_u += c;
    sum_s += static_cast<signed char>(c);
  }
  if (stored != sum_u && static_cast<std::int64_t>(stored) != sum_s)
    throw tar_error("corrupt header at byte " + std::to_string(pos) + " (its checksum is " + std::to_string(stored) +
                    ", its bytes sum to " + std::to_string(sum_u) + ")");
  size_ = number(h, 124, 12, "size");
  const char type = static_cast<char>(h[156]);
  switch (type) {
    case 'L':
    case 'K':
    case 'x':
    case 'X':
      if (size_ > max_metadata)
        throw tar_error("a long name or pax header of " + std::to_string(size_) + " bytes at byte " +
                        std::to_string(pos) + ", more than " + std::to_string(max_metadata));
      pending_ = type == 'L' ? pending::long_name : type == 'K' ? pending::none : pending::pax;
      if (type == 'K') return step::skip;  // a long link name: links are not members
      return step::metadata;
    case '0':
    case '\0':
    case '7':
      break;
    default:  // directories, links, devices, global pax headers: no member
      next_name_.clear();
      has_next_size_ = false;
      return step::skip;
  }
  if (has_next_size_) size_ = next_size_;
  if (!next_name_.empty()) {
    member_.name = std::move(next_name_);
  } else {
    member_.name.assign(field(h, 0, 100));
    // POSIX ustar ("ustar\0" "00") splits a long path into prefix and name; GNU's magic has no prefix.
    if (std::memcmp(h + 257, "ustar\0", 6) == 0) {
      const std::string_view prefix = field(h, 345, 155);
      if (!prefix.empty()) member_.name = std::string(prefix) + "/" + member_.name;
    }
  }
  next_name_.clear();
  has_next_size_ = false;
  member_.offset = pos + block;
  member_.size = size_;
  return step::member;
}

void tar_walker::metadata(std::string_view data) {
  const pending what = std::exchange(pending_, pending::none);
  if (what == pending::long_name) {
    next_name_.assign(data.substr(0, data.find('\0')));
    return;
  }
  if (what != pending::pax) return;
  // Records "<length> <key>=<value>\n", the length counting the whole record.
  while (!data.empty()) {
    const std::size_t space = data.find(' ');
    std::size_t len = 0;
    if (space == std::string_view::npos ||
        std::from_chars(data.data(), data.data() + space, len).ptr != data.data() + space || len <= space + 1 ||
        len > data.size()) {
      if (std::all_of(data.begin(), data.end(), [](char c) { return c == '\0'; })) return;  // padding
      throw tar_error("a pax header record is malformed");
    }
    std::string_view rec = data.substr(space + 1, len - space - 1);
    data.remove_prefix(len);
    if (!rec.empty() && rec.back() == '\n') rec.remove_suffix(1);
    const std::size_t eq = rec.find('=');
    if (eq == std::string_view::npos) throw tar_error("a pax header record has no '='");
    const std::string_view key = rec.substr(0, eq), value = rec.substr(eq + 1);
    if (key == "path") {
      next_name_.assign(value);
    } else if (key == "size") {
      std::uint64_t v = 0;
      if (std::from_chars(value.data(), value.data() + value.size(), v).ptr != value.data() + value.size())
        throw tar_error("a pax size is not a number ('" + std::string(value) + "')");
      next_size_ = v;
      has_next_size_ = true;
    }
  }
}

}  // namespace imgbatch::detail
