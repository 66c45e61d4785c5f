#pragma once

/// Lets fmt and spdlog format imgbatch values, as in `spdlog::info("{}", loader.stats())`.
/// Opt-in: imgbatch.hpp does not include it, so that it means the same whether or not fmt is installed.
#include <imgbatch/loader.hpp>

#include <fmt/format.h>
#include <fmt/ostream.h>

template <>
struct fmt::formatter<imgbatch::loader_stats> : fmt::ostream_formatter {};
