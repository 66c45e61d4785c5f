#pragma once

#include <imgbatch/export.hpp>

#include <string_view>

namespace imgbatch {

/// The library version ("major.minor.patch"). Thread-safe; the view refers to static storage.
IMGBATCH_API std::string_view version() noexcept;

}  // namespace imgbatch
