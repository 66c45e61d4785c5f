#pragma once

#include <string>
#include <vector>

namespace imgbatch::bench {

/// Single-thread rate of plain full-size decode of the given files, bytes preloaded in memory:
/// TurboJPEG to RGB for JPEGs, libpng to raw rows for PNGs (as ../shared/bench/decode_ceiling.cpp).
/// `pairs[i]` is the list of files of sample i (image, then mask); returns samples per second, the best
/// of `repeats` passes.
double decode_rate_one_core(const std::vector<std::vector<std::string>>& pairs, int repeats);

}  // namespace imgbatch::bench
