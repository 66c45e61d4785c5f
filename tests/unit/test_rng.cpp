#include "util/rng.hpp"

#include <doctest/doctest.h>

#include <array>

using imgbatch::detail::counter_rng;

TEST_CASE("rng: a draw is a pure function of (seed, epoch, position, op)") {
  counter_rng a = counter_rng::for_op(7, 3, 11, 2), b = counter_rng::for_op(7, 3, 11, 2);
  for (int i = 0; i < 100; ++i) CHECK(a.next_u64() == b.next_u64());
  counter_rng other_epoch = counter_rng::for_op(7, 4, 11, 2), other_op = counter_rng::for_op(7, 3, 11, 3);
  counter_rng c = counter_rng::for_op(7, 3, 11, 2);
  const auto first = c.next_u64();
  CHECK(other_epoch.next_u64() != first);
  CHECK(other_op.next_u64() != first);
}

TEST_CASE("rng: uniform and below stay in range and are close to uniform") {
  counter_rng r(12345);
  std::array<int, 10> bins{};
  for (int i = 0; i < 100000; ++i) {
    const double u = r.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    const auto k = r.below(10);
    REQUIRE(k < 10);
    ++bins[k];
  }
  for (int count : bins) {
    CHECK(count > 9400);
    CHECK(count < 10600);
  }
  CHECK(r.below(1) == 0);
}
