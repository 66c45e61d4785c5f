#pragma once

#include <string>
#include <string_view>

namespace imgbatch::detail {

/// A JSON string literal for `s`, quotes included, with ", \ and control characters escaped.
std::string json_quote(std::string_view s);

}  // namespace imgbatch::detail
