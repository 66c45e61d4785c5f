#pragma once

/// Lets fmt and spdlog format imgbatch values, as in `spdlog::info("{}", loader.stats())`.
/// imgbatch.hpp includes it when fmt's headers are installed (spdlog brings them).
#include <imgbatch/loader.hpp>

#include <fmt/format.h>
#include <fmt/ostream.h>

template <>
struct fmt::formatter<imgbatch::loader_stats> : fmt::ostream_formatter {};
