#pragma once

#include <cstdint>

namespace imgbatch::bench {

/// Heap allocations through operator new in this process so far (every thread). The bench replaces the
/// global operator new and delete to count them; allocations made with malloc directly (inside oneTBB,
/// libjpeg, libpng, zlib) are not seen.
std::uint64_t allocations() noexcept;
/// Tests: the `n`-th allocation through operator new from now, on whichever thread makes it, throws
/// std::bad_alloc, once; 0 disarms (tests/alloc/test_allocation_failure.cpp).
void fail_allocation(std::uint64_t n) noexcept;
/// True once the allocation armed last has failed (disarming keeps it).
bool allocation_failed() noexcept;

}  // namespace imgbatch::bench
