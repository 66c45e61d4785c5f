#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace imgbatch::detail {

/// Expands a shard pattern as WebDataset (Python's braceexpand) does: `{a,b,c}` alternatives and
/// `{0..127}` / `{000000..000127}` / `{0..10..2}` numeric ranges (zero-padded to the wider bound when
/// either is written with leading zeros; descending when the first is larger), nested and in sequence,
/// the leftmost group varying slowest. Text without braces is itself. Throws imgbatch::config_error
/// (key `key`) for an unbalanced brace, a malformed range, or more than `max_names` names.
std::vector<std::string> brace_expand(std::string_view pattern, const std::string& key,
                                      std::size_t max_names = 10'000'000);

}  // namespace imgbatch::detail
