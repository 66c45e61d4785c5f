#pragma once

#include <cstdint>

namespace imgbatch::test {

/// This executable's operator new (failing_new.cpp) throws std::bad_alloc on the `n`-th allocation from
/// now, on whichever thread makes it, once; 0 disarms it. Allocations made with malloc directly (inside
/// oneTBB, libjpeg, libpng) are not affected.
void fail_allocation(std::uint64_t n) noexcept;
/// Allocations through operator new so far.
std::uint64_t allocations() noexcept;
/// True once the allocation armed last has failed (disarming keeps it).
bool allocation_failed() noexcept;

}  // namespace imgbatch::test
