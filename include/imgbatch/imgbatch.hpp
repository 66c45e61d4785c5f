#pragma once

/// The whole public API of imgbatch.
#include <imgbatch/allocator.hpp>
#include <imgbatch/batch.hpp>
#include <imgbatch/cursor.hpp>
#include <imgbatch/error.hpp>
#include <imgbatch/loader.hpp>
#include <imgbatch/spec.hpp>
#include <imgbatch/tensor.hpp>
#include <imgbatch/version.hpp>

// fmt/spdlog formatting of imgbatch values is opt-in: include <imgbatch/fmt.hpp> (it needs fmt's
// headers). This header includes only the standard library, so it means the same on every machine.
