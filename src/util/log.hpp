#pragma once

#include <spdlog/spdlog.h>

namespace imgbatch::detail {

/// The library's one named logger ("imgbatch"). Level "warn" unless the environment variable
/// IMGBATCH_LOG names another (trace, debug, info, warn, error, off). Thread-safe.
spdlog::logger& log();

}  // namespace imgbatch::detail
