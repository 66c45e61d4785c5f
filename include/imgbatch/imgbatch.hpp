#pragma once

/// The whole public API of imgbatch.
#include <imgbatch/batch.hpp>
#include <imgbatch/cursor.hpp>
#include <imgbatch/error.hpp>
#include <imgbatch/loader.hpp>
#include <imgbatch/spec.hpp>
#include <imgbatch/tensor.hpp>
#include <imgbatch/version.hpp>

// fmt/spdlog formatting of imgbatch values, where fmt is there. Only a template specialisation: a
// program that never formats them neither instantiates nor links anything of fmt.
#if __has_include(<fmt/ostream.h>)
#include <imgbatch/fmt.hpp>
#endif
