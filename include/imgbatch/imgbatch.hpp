#pragma once

/// The whole public API of imgbatch.
#include <imgbatch/batch.hpp>
#include <imgbatch/error.hpp>
#include <imgbatch/loader.hpp>
#include <imgbatch/spec.hpp>
#include <imgbatch/tensor.hpp>
#include <imgbatch/version.hpp>
