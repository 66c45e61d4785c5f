#include "util/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>

namespace imgbatch::detail {

spdlog::logger& log() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto existing = spdlog::get("imgbatch");
    if (existing) return existing;  // the host application registered its own
    auto l = spdlog::stderr_color_mt("imgbatch");
    l->set_level(spdlog::level::warn);
    if (const char* env = std::getenv("IMGBATCH_LOG")) l->set_level(spdlog::level::from_str(env));
    return l;
  }();
  return *logger;
}

}  // namespace imgbatch::detail
