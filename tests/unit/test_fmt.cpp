#include <imgbatch/fmt.hpp>

#include <doctest/doctest.h>

TEST_CASE("fmt: loader_stats formats through fmt (and so spdlog) with the opt-in header") {
  imgbatch::loader_stats s;
  s.batches = 3;
  s.samples = 96;
  CHECK(fmt::format("{}", s).starts_with("3 batches, 96 samples, 0.0 Mpx decoded"));
}
