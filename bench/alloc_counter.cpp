// Counting replacements of the global operator new/delete (every form forwards to the plain ones), which
// can also fail one chosen allocation for the tests.
#include "alloc_counter.hpp"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::uint64_t> count{0};
std::atomic<std::uint64_t> fail_at{0};  // the allocation number that fails; 0: none
std::atomic<bool> failed{false};

void* counted(std::size_t n, std::size_t align) {
  const std::uint64_t k = count.fetch_add(1, std::memory_order_relaxed) + 1;
  if (std::uint64_t want = fail_at.load(std::memory_order_relaxed);
      want != 0 && k == want && fail_at.compare_exchange_strong(want, 0)) {
    failed.store(true);
    throw std::bad_alloc();
  }
  if (n == 0) n = 1;
  void* p =
      align > alignof(std::max_align_t) ? std::aligned_alloc(align, (n + align - 1) / align * align) : std::malloc(n);
  if (!p) throw std::bad_alloc();
  return p;
}
}  // namespace

std::uint64_t imgbatch::bench::allocations() noexcept { return count.load(std::memory_order_relaxed); }
void imgbatch::bench::fail_allocation(std::uint64_t n) noexcept {
  if (n != 0) failed.store(false);
  fail_at.store(n == 0 ? 0 : count.load() + n);
}
bool imgbatch::bench::allocation_failed() noexcept { return failed.load(); }

void* operator new(std::size_t n) { return counted(n, 0); }
void* operator new[](std::size_t n) { return counted(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted(n, 0);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted(n, 0);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
