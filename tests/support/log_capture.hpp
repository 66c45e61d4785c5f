#pragma once

#include "util/log.hpp"

#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>

namespace imgbatch::test {

/// Captures what the library's logger writes while it lives.
struct log_capture {
  std::ostringstream text;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text);
  log_capture() { detail::log().sinks().push_back(sink); }
  ~log_capture() {
    auto& sinks = detail::log().sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
  }
  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;
  /// How many times `s` occurs in what was written.
  std::size_t count(const std::string& s) const {
    const std::string t = text.str();
    std::size_t n = 0;
    for (std::size_t at = t.find(s); at != std::string::npos; at = t.find(s, at + 1)) ++n;
    return n;
  }
};

}  // namespace imgbatch::test
