#pragma once

// Happens-before annotations for ThreadSanitizer. The flow graph hands samples and buffers from thread
// to thread inside oneTBB's library, which is not instrumented, so ThreadSanitizer cannot see those
// hand-offs; the graph states them here instead. Nothing at all in other builds.

#if defined(__SANITIZE_THREAD__)
#define IMGBATCH_TSAN_ACTIVE 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define IMGBATCH_TSAN_ACTIVE 1
#endif
#endif

#ifdef IMGBATCH_TSAN_ACTIVE
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace imgbatch::detail {

/// What this thread did so far happens before whatever follows a later hand_over_received(p).
inline void hand_over(const void* p) noexcept {
#ifdef IMGBATCH_TSAN_ACTIVE
  if (p) __tsan_release(const_cast<void*>(p));
#else
  (void)p;
#endif
}

/// Everything done before a hand_over(p) (on any thread) happens before what this thread does next.
inline void hand_over_received(const void* p) noexcept {
#ifdef IMGBATCH_TSAN_ACTIVE
  if (p) __tsan_acquire(const_cast<void*>(p));
#else
  (void)p;
#endif
}

}  // namespace imgbatch::detail
