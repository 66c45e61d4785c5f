#include "util/rng.hpp"

#include <cmath>

namespace imgbatch::detail {

__extension__ typedef unsigned __int128 u128;

std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

namespace {
std::uint64_t combine(std::uint64_t h, std::uint64_t v) noexcept { return mix64(h ^ mix64(v + 0x632be59bd9b4e019ull)); }
}  // namespace

counter_rng counter_rng::for_op(std::uint64_t seed, std::uint64_t epoch, std::uint64_t position,
                                std::uint64_t op_index) noexcept {
  return counter_rng(combine(combine(combine(combine(0x5eedull, seed), epoch), position), op_index));
}

counter_rng counter_rng::for_epoch(std::uint64_t seed, std::uint64_t epoch, std::uint64_t purpose) noexcept {
  return counter_rng(combine(combine(combine(0xe70cull, seed), epoch), purpose));
}

std::uint64_t counter_rng::next_u64() noexcept { return mix64(key_ ^ mix64(counter_++)); }

double counter_rng::uniform() noexcept { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double counter_rng::normal() noexcept {
  const double u1 = 1.0 - uniform();  // (0, 1]: the log is finite
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

std::uint64_t counter_rng::below(std::uint64_t n) noexcept {
  // Lemire's multiply-shift with rejection: exact uniformity.
  u128 m = static_cast<u128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<u128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

}  // namespace imgbatch::detail
