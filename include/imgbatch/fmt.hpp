#pragma once

/// Opt-in: lets fmt and spdlog format imgbatch values, as in `spdlog::info("{}", loader.stats())`.
/// Include it where you log; it needs fmt (spdlog brings it). imgbatch.hpp does not include it.
#include <imgbatch/loader.hpp>

#include <fmt/format.h>
#include <fmt/ostream.h>

template <>
struct fmt::formatter<imgbatch::loader_stats> : fmt::ostream_formatter {};
