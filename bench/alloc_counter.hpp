#pragma once

#include <cstdint>

namespace imgbatch::bench {

/// Heap allocations through operator new in this process so far (every thread). The bench replaces the
/// global operator new and delete to count them; allocations made with malloc directly (inside oneTBB,
/// libjpeg, libpng, zlib) are not seen.
std::uint64_t allocations() noexcept;

}  // namespace imgbatch::bench
