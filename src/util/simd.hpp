#pragma once

// x86-64 helpers shared by the kernels that pick AVX2 at run time (one binary runs everywhere).

#include <cstdint>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define IMGBATCH_X86_SIMD 1
#endif

namespace imgbatch::detail {

#if IMGBATCH_X86_SIMD
/// Whether this CPU runs AVX2 (asked once).
inline bool cpu_has_avx2() noexcept {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}

/// Eight RGB pixels, the 24 bytes at p, split into their R, G and B bytes (the low 8 bytes of rgb[0],
/// rgb[1], rgb[2]), left to right, or right to left when `reversed`.
__attribute__((target("avx2"))) inline void split_rgb8(const std::uint8_t* p, bool reversed, __m128i rgb[3]) {
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + 16));
  // For each channel: the bytes taken from a (the first 16) and from b (the last 8); -1 gives 0.
  if (!reversed) {
    rgb[0] =
        _mm_or_si128(_mm_shuffle_epi8(a, _mm_setr_epi8(0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)),
                     _mm_shuffle_epi8(b, _mm_setr_epi8(-1, -1, -1, -1, -1, -1, 2, 5, -1, -1, -1, -1, -1, -1, -1, -1)));
    rgb[1] =
        _mm_or_si128(_mm_shuffle_epi8(a, _mm_setr_epi8(1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)),
                     _mm_shuffle_epi8(b, _mm_setr_epi8(-1, -1, -1, -1, -1, 0, 3, 6, -1, -1, -1, -1, -1, -1, -1, -1)));
    rgb[2] =
        _mm_or_si128(_mm_shuffle_epi8(a, _mm_setr_epi8(2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)),
                     _mm_shuffle_epi8(b, _mm_setr_epi8(-1, -1, -1, -1, -1, 1, 4, 7, -1, -1, -1, -1, -1, -1, -1, -1)));
  } else {
    rgb[0] =
        _mm_or_si128(_mm_shuffle_epi8(a, _mm_setr_epi8(-1, -1, 15, 12, 9, 6, 3, 0, -1, -1, -1, -1, -1, -1, -1, -1)),
                     _mm_shuffle_epi8(b, _mm_setr_epi8(5, 2, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)));
    rgb[1] =
        _mm_or_si128(_mm_shuffle_epi8(a, _mm_setr_epi8(-1, -1, -1, 13, 10, 7, 4, 1, -1, -1, -1, -1, -1, -1, -1, -1)),
                     _mm_shuffle_epi8(b, _mm_setr_epi8(6, 3, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)));
    rgb[2] =
        _mm_or_si128(_mm_shuffle_epi8(a, _mm_setr_epi8(-1, -1, -1, 14, 11, 8, 5, 2, -1, -1, -1, -1, -1, -1, -1, -1)),
                     _mm_shuffle_epi8(b, _mm_setr_epi8(7, 4, 1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)));
  }
}
#endif

}  // namespace imgbatch::detail
