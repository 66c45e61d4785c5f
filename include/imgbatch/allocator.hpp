#pragma once

#include <imgbatch/export.hpp>

#include <cstddef>

namespace imgbatch {

/// Where the memory of batch tensors comes from. By default the loader takes it from the heap; pass
/// your own to `loader(spec, allocator)` to hand in memory the next stage wants, for example pinned host
/// memory (`cudaHostAlloc`), so that a trainer copies batches to the GPU asynchronously and without a
/// staging copy.
///
/// A loader asks for memory while it builds its first batches (each tensor of each of its
/// `prefetch_batches` buffers, and again when a later batch needs a tensor larger than any before), from
/// its worker threads, possibly concurrently: `allocate` and `deallocate` must be thread-safe. Memory is
/// given back when the loader's buffers are destroyed: with the loader, or, when a batch outlives its
/// loader, once the last such batch is dropped. Every tensor keeps the allocator alive (shared_ptr)
/// until its memory is given back.
class IMGBATCH_API buffer_allocator {
 public:
  virtual ~buffer_allocator() = default;
  /// At least `bytes` bytes aligned to `alignment` (a power of two, 64 today). Throws (std::bad_alloc
  /// or anything else) when it cannot; the batch then fails with that error.
  virtual void* allocate(std::size_t bytes, std::size_t alignment) = 0;
  /// Returns what `allocate(bytes, alignment)` gave, with the same size and alignment.
  virtual void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept = 0;
};

}  // namespace imgbatch
