#pragma once

#include <string>
#include <string_view>

namespace imgbatch::detail {

/// `s` for an error message: whole when it is at most `max` bytes, else its first `max` bytes followed
/// by "... (N bytes)", so a 200 MB value makes a short line. Never splits a UTF-8 sequence.
inline std::string clipped(std::string_view s, std::size_t max = 200) {
  if (s.size() <= max) return std::string(s);
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // back to a character's start
  return std::string(s.substr(0, n)) + "... (" + std::to_string(s.size()) + " bytes)";
}

}  // namespace imgbatch::detail
