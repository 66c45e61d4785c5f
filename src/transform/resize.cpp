#include "transform/resize.hpp"

#include "transform/crop_flip.hpp"
#include "util/simd.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

// Not under the sanitizers: an ifunc resolver runs while the program is relocated, before a sanitizer's
// runtime is ready for the instrumented resolver (ThreadSanitizer crashes there).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define IMGBATCH_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define IMGBATCH_CLONES
#endif

namespace imgbatch::detail {
namespace {

constexpr int precision_bits = 32 - 8 - 2;

double bilinear(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

// Pillow's precompute_coeffs + normalize_coeffs_8bpc, for the whole input range.
int precompute(int in_size, int out_size, std::vector<int>& bounds, std::vector<std::int32_t>& kk,
               std::vector<double>& k) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = 1.0 * filterscale;
  const int ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  bounds.resize(static_cast<std::size_t>(out_size) * 2);
  kk.assign(static_cast<std::size_t>(out_size) * ksize, 0);
  k.resize(static_cast<std::size_t>(ksize));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double wgt = bilinear((x + xmin - center + 0.5) * ss);
      k[static_cast<std::size_t>(x)] = wgt;
      ww += wgt;
    }
    for (int x = 0; x < xmax; ++x) {
      double v = ww != 0.0 ? k[static_cast<std::size_t>(x)] / ww : k[static_cast<std::size_t>(x)];
      kk[static_cast<std::size_t>(xx) * ksize + x] =
          static_cast<std::int32_t>(v < 0 ? -0.5 + v * (1 << precision_bits) : 0.5 + v * (1 << precision_bits));
    }
    bounds[static_cast<std::size_t>(xx) * 2] = xmin;
    bounds[static_cast<std::size_t>(xx) * 2 + 1] = xmax;
  }
  return ksize;
}

// The windows of a resize that reads its source mirrored (a flip folded in): output pixel xx takes the
// taps of the mirrored pixels in reverse order, so each sum has the same terms as resizing the flipped
// image and, in integer arithmetic, the same value.
void mirror_windows(int in_size, int out_size, int ksize, std::vector<int>& bounds, std::vector<std::int32_t>& kk) {
  for (int xx = 0; xx < out_size; ++xx) {
    int& xmin = bounds[static_cast<std::size_t>(xx) * 2];
    const int xmax = bounds[static_cast<std::size_t>(xx) * 2 + 1];
    xmin = in_size - xmin - xmax;
    std::int32_t* k = kk.data() + static_cast<std::ptrdiff_t>(xx) * ksize;
    std::reverse(k, k + xmax);
  }
}

inline std::uint8_t clip8(std::int32_t v) {
  if (v >= (1 << precision_bits << 8)) return 255;
  if (v <= 0) return 0;
  return static_cast<std::uint8_t>(v >> precision_bits);
}

// Pillow's ksize (2 * ceil(support) + 1) bounds every window, but the widest window is usually a tap or
// two shorter (an enlargement's windows hold 2 taps, not 3): keeps only that many coefficients per
// output pixel (stride included) and returns the count. The dropped ones all weigh 0.
int compact_taps(int out_size, int ksize, const std::vector<int>& bounds, std::vector<std::int32_t>& kk) {
  int widest = 1;
  for (int xx = 0; xx < out_size; ++xx) widest = std::max(widest, bounds[static_cast<std::size_t>(xx) * 2 + 1]);
  if (widest == ksize) return ksize;
  for (int xx = 0; xx < out_size; ++xx)  // forward: each row moves to an address no later than its own
    std::memmove(kk.data() + static_cast<std::ptrdiff_t>(xx) * widest,
                 kk.data() + static_cast<std::ptrdiff_t>(xx) * ksize,
                 sizeof(std::int32_t) * static_cast<std::size_t>(widest));
  return widest;
}

// Every output pixel reads exactly ksize taps: windows that would run past the right edge are moved
// left and their coefficients right (the moved-in taps weigh 0), so the inner loop has no bound to test
// and the same arithmetic as Pillow's variable-length loop (adding 0 * pixel changes nothing).
void fixed_windows(int in_size, int out_size, int ksize, std::vector<int>& bounds, std::vector<std::int32_t>& kk) {
  for (int xx = 0; xx < out_size; ++xx) {
    int& xmin = bounds[static_cast<std::size_t>(xx) * 2];
    const int xmax = bounds[static_cast<std::size_t>(xx) * 2 + 1];
    std::int32_t* k = kk.data() + static_cast<std::ptrdiff_t>(xx) * ksize;
    for (int x = xmax; x < ksize; ++x) k[x] = 0;
    const int shift = xmin + ksize - in_size;
    if (shift > 0) {
      for (int x = ksize - 1; x >= shift; --x) k[x] = k[x - shift];
      for (int x = 0; x < shift; ++x) k[x] = 0;
      xmin -= shift;
    }
  }
}

// Output pixels [x0, x1) of `rows` rows, K taps each (K = 0: ksize, not known at compile time).
template <int C, int K>
[[gnu::always_inline]] inline void horizontal_range(const image_view& src, int y_first, int rows, int x0, int x1,
                                                    int ksize, const int* bounds, const std::int32_t* kk, image& dst) {
  const int taps = K ? K : ksize;
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* in = src.row(y_first + y);
    std::uint8_t* out = dst.row(y);
    for (int xx = x0; xx < x1; ++xx) {
      const std::int32_t* k = kk + static_cast<std::ptrdiff_t>(xx) * taps;
      const std::uint8_t* p = in + bounds[xx * 2] * C;
      std::int32_t ss[C];
      for (int c = 0; c < C; ++c) ss[c] = 1 << (precision_bits - 1);
      for (int x = 0; x < taps; ++x)
        for (int c = 0; c < C; ++c) ss[c] += p[x * C + c] * k[x];
      for (int c = 0; c < C; ++c) out[xx * C + c] = clip8(ss[c]);
    }
  }
}

template <int C>
[[gnu::always_inline]] inline void horizontal_pass(const image_view& src, int y_first, int rows, int x0, int x1,
                                                   int ksize, const int* bounds, const std::int32_t* kk, image& dst) {
  switch (ksize) {  // windows after compact_taps: 2 (enlarging) to 5 (shrinking up to about 2x) unrolled
    case 2:
      return horizontal_range<C, 2>(src, y_first, rows, x0, x1, ksize, bounds, kk, dst);
    case 3:
      return horizontal_range<C, 3>(src, y_first, rows, x0, x1, ksize, bounds, kk, dst);
    case 4:
      return horizontal_range<C, 4>(src, y_first, rows, x0, x1, ksize, bounds, kk, dst);
    case 5:
      return horizontal_range<C, 5>(src, y_first, rows, x0, x1, ksize, bounds, kk, dst);
    default:
      return horizontal_range<C, 0>(src, y_first, rows, x0, x1, ksize, bounds, kk, dst);
  }
}

#if IMGBATCH_X86_SIMD
// RGB horizontal pass in AVX2, two output pixels per step, with Pillow's arithmetic exactly: each 22-bit
// coefficient k is split as k = hi * 2^11 + lo (both fit int16, bilinear taps are never negative), so
// pmaddwd on 16-bit pixels gives the two partial sums in int32 without loss and
// (sum_hi << 11) + sum_lo + 2^21 is Pillow's int32 accumulator to the bit. A step takes taps in pairs:
// 8 bytes at the pair's first pixel are shuffled to [R0 R1 G0 G1 B0 B1 0 0] as int16.
// Coefficients: per pair of output pixels, per pair of taps, hi for both pixels then lo for both.
void rgb_pair_coeffs(int out_w, int ksize, const std::int32_t* kk, std::vector<std::int16_t>& pc) {
  const int npairs = (ksize + 1) / 2;
  const std::size_t blocks = (static_cast<std::size_t>(out_w) + 1) / 2;
  pc.assign(blocks * npairs * 32, 0);
  for (int xx = 0; xx < out_w; ++xx) {
    const std::int32_t* k = kk + static_cast<std::ptrdiff_t>(xx) * ksize;
    for (int j = 0; j < npairs; ++j) {
      std::int16_t* hi = pc.data() + ((static_cast<std::size_t>(xx / 2) * npairs + j) * 32) + (xx % 2) * 8;
      std::int16_t* lo = hi + 16;
      for (int t = 0; t < 2; ++t) {
        const int x = 2 * j + t;
        const std::int32_t v = x < ksize ? k[x] : 0;
        for (int c = 0; c < 3; ++c) {
          hi[2 * c + t] = static_cast<std::int16_t>(v >> 11);
          lo[2 * c + t] = static_cast<std::int16_t>(v & 2047);
        }
      }
    }
  }
}

// One output pixel without its block's partner: the half of the block it sits in.
__attribute__((target("avx2"))) inline void rgb_one(const std::uint8_t* in, std::uint8_t* out, int xx, int npairs,
                                                    const int* bounds, const std::int16_t* pc) {
  const __m128i shuf = _mm_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1);
  const std::uint8_t* p = in + bounds[xx * 2] * 3;
  const std::int16_t* k = pc + static_cast<std::size_t>(xx / 2) * npairs * 32 + (xx % 2) * 8;
  __m128i hi = _mm_setzero_si128(), lo = _mm_setzero_si128();
  for (int j = 0; j < npairs; ++j) {
    const __m128i w = _mm_shuffle_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + 6 * j)), shuf);
    hi = _mm_add_epi32(hi, _mm_madd_epi16(w, _mm_loadu_si128(reinterpret_cast<const __m128i*>(k + 32 * j))));
    lo = _mm_add_epi32(lo, _mm_madd_epi16(w, _mm_loadu_si128(reinterpret_cast<const __m128i*>(k + 32 * j + 16))));
  }
  __m128i sum = _mm_add_epi32(_mm_add_epi32(_mm_slli_epi32(hi, 11), lo), _mm_set1_epi32(1 << (precision_bits - 1)));
  sum = _mm_srai_epi32(sum, precision_bits);
  const __m128i w16 = _mm_packs_epi32(sum, sum);
  const auto v = static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm_packus_epi16(w16, w16)));
  std::memcpy(out + xx * 3, &v, 3);
}

template <int NP>  // NP pairs of taps, 0 = read from npairs
__attribute__((target("avx2"))) void horizontal_rgb_avx2_t(const image_view& src, int y_first, int rows, int x_begin,
                                                           int x_end, int npairs_dyn, const int* bounds,
                                                           const std::int16_t* pc, image& dst) {
  const int npairs = NP ? NP : npairs_dyn;
  const __m256i shuf = _mm256_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1,  //
                                        0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1);
  const __m128i pack6 = _mm_setr_epi8(0, 1, 2, 4, 5, 6, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m256i round = _mm256_set1_epi32(1 << (precision_bits - 1));
  const std::size_t row_bytes = dst.row_bytes();
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* in = src.row(y_first + y);
    std::uint8_t* out = dst.row(y);
    int xx = x_begin;
    if (xx % 2 && xx < x_end) rgb_one(in, out, xx++, npairs, bounds, pc);
    for (; xx + 1 < x_end; xx += 2) {
      const std::uint8_t* p0 = in + bounds[xx * 2] * 3;
      const std::uint8_t* p1 = in + bounds[xx * 2 + 2] * 3;
      const auto* k = reinterpret_cast<const __m256i*>(pc + static_cast<std::size_t>(xx / 2) * npairs * 32);
      __m256i hi = _mm256_setzero_si256(), lo = _mm256_setzero_si256();
      for (int j = 0; j < npairs; ++j) {
        const __m256i b = _mm256_inserti128_si256(
            _mm256_castsi128_si256(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p0 + 6 * j))),
            _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p1 + 6 * j)), 1);
        const __m256i w = _mm256_shuffle_epi8(b, shuf);
        hi = _mm256_add_epi32(hi, _mm256_madd_epi16(w, _mm256_loadu_si256(k + 2 * j)));
        lo = _mm256_add_epi32(lo, _mm256_madd_epi16(w, _mm256_loadu_si256(k + 2 * j + 1)));
      }
      __m256i sum = _mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(hi, 11), lo), round);
      sum = _mm256_srai_epi32(sum, precision_bits);
      // clip8: signed saturation to int16, then unsigned to uint8; [R0 G0 B0 0 R1 G1 B1 0] -> 6 bytes
      const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
      const __m128i px = _mm_shuffle_epi8(_mm_packus_epi16(w16, w16), pack6);
      std::uint8_t* o = out + xx * 3;
      if (static_cast<std::size_t>(xx) * 3 + 8 <= row_bytes) {
        _mm_storel_epi64(reinterpret_cast<__m128i*>(o), px);  // the 2 extra bytes are rewritten next
      } else {
        const std::uint64_t v = static_cast<std::uint64_t>(_mm_cvtsi128_si64(px));
        std::memcpy(o, &v, 6);
      }
    }
    if (xx < x_end) rgb_one(in, out, xx, npairs, bounds, pc);
  }
}

void horizontal_rgb_avx2(const image_view& src, int y_first, int rows, int x_begin, int x_end, int npairs,
                         const int* bounds, const std::int16_t* pc, image& dst) {
  switch (npairs) {  // windows of up to 10 taps (shrinks up to 4x) unrolled
    case 1:
      return horizontal_rgb_avx2_t<1>(src, y_first, rows, x_begin, x_end, npairs, bounds, pc, dst);
    case 2:
      return horizontal_rgb_avx2_t<2>(src, y_first, rows, x_begin, x_end, npairs, bounds, pc, dst);
    case 3:
      return horizontal_rgb_avx2_t<3>(src, y_first, rows, x_begin, x_end, npairs, bounds, pc, dst);
    case 4:
      return horizontal_rgb_avx2_t<4>(src, y_first, rows, x_begin, x_end, npairs, bounds, pc, dst);
    case 5:
      return horizontal_rgb_avx2_t<5>(src, y_first, rows, x_begin, x_end, npairs, bounds, pc, dst);
    default:
      return horizontal_rgb_avx2_t<0>(src, y_first, rows, x_begin, x_end, npairs, bounds, pc, dst);
  }
}

#endif

IMGBATCH_CLONES void horizontal_any(const image_view& src, int y_first, int rows, int out_w, int ksize,
                                    const int* bounds, const std::int32_t* kk, image& dst) {
  switch (src.channels) {
    case 1:
      horizontal_pass<1>(src, y_first, rows, 0, out_w, ksize, bounds, kk, dst);
      break;
    case 3:
      horizontal_pass<3>(src, y_first, rows, 0, out_w, ksize, bounds, kk, dst);
      break;
    case 4:
      horizontal_pass<4>(src, y_first, rows, 0, out_w, ksize, bounds, kk, dst);
      break;
    default: {
      const int C = src.channels;
      for (int y = 0; y < rows; ++y) {
        const std::uint8_t* in = src.row(y_first + y);
        std::uint8_t* out = dst.row(y);
        for (int xx = 0; xx < out_w; ++xx) {
          const int xmin = bounds[xx * 2];
          const std::int32_t* k = kk + static_cast<std::ptrdiff_t>(xx) * ksize;
          for (int c = 0; c < C; ++c) {
            std::int32_t ss = 1 << (precision_bits - 1);
            for (int x = 0; x < ksize; ++x) ss += in[(xmin + x) * C + c] * k[x];
            out[xx * C + c] = clip8(ss);
          }
        }
      }
    }
  }
}

void horizontal(const image_view& src, int y_first, int rows, int out_w, int ksize, resize_scratch& s, image& dst) {
#if IMGBATCH_X86_SIMD
  if (src.channels == 3 && src.sample_bytes == 1 && cpu_has_avx2()) {
    // Output pixels whose last 8-byte load stays inside the row go through AVX2, the others (one or two
    // at the row's right end, or at its start when the source is read mirrored) through the scalar loop.
    // Windows move monotonically, so the pixels that may use AVX2 are one run [x_begin, x_end).
    const int npairs = (ksize + 1) / 2;
    auto safe = [&](int xx) {
      return 3 * s.bounds[static_cast<std::size_t>(xx) * 2] + 6 * npairs + 2 <= 3 * src.width;
    };
    int x_begin = 0;
    while (x_begin < out_w && !safe(x_begin)) ++x_begin;
    int x_end = x_begin;
    while (x_end < out_w && safe(x_end)) ++x_end;
    rgb_pair_coeffs(out_w, ksize, s.coeffs.data(), s.pair_coeffs);
    horizontal_rgb_avx2(src, y_first, rows, x_begin, x_end, npairs, s.bounds.data(), s.pair_coeffs.data(), dst);
    horizontal_pass<3>(src, y_first, rows, 0, x_begin, ksize, s.bounds.data(), s.coeffs.data(), dst);
    horizontal_pass<3>(src, y_first, rows, x_end, out_w, ksize, s.bounds.data(), s.coeffs.data(), dst);
    return;
  }
#endif
  horizontal_any(src, y_first, rows, out_w, ksize, s.bounds.data(), s.coeffs.data(), dst);
}

#if IMGBATCH_X86_SIMD
// Vertical pass in AVX2 with the same hi/lo split as the RGB horizontal pass: rows are taken in pairs,
// their bytes interleaved as int16 [a b] and multiplied with [k_a k_b] by pmaddwd; 16 bytes of a row at a
// time, accumulators in registers. The last chunk overlaps the one before it (it rewrites the same
// bytes), so any width of 16 bytes or more is covered.
// 16 output bytes at x of one output row: taps in pairs (pk: per pair, hi then lo coefficients packed
// as int16 pairs), rows from `first` on.
__attribute__((target("avx2"))) inline __m128i vertical_16(const image_view& mid, int first, int npairs, int ntaps,
                                                           const std::int32_t* pk, int x) {
  __m256i hi_l = _mm256_setzero_si256(), lo_l = hi_l, hi_h = hi_l, lo_h = hi_l;
  for (int j = 0; j < npairs; ++j) {
    const int y = first + 2 * j;
    const int y2 = 2 * j + 1 < ntaps ? y + 1 : y;  // an odd last tap pairs with itself at weight 0
    const __m256i khi = _mm256_set1_epi32(pk[2 * j]), klo = _mm256_set1_epi32(pk[2 * j + 1]);
    const __m256i a = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(mid.row(y) + x)));
    const __m256i b = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(mid.row(y2) + x)));
    const __m256i l = _mm256_unpacklo_epi16(a, b), h = _mm256_unpackhi_epi16(a, b);
    hi_l = _mm256_add_epi32(hi_l, _mm256_madd_epi16(l, khi));
    lo_l = _mm256_add_epi32(lo_l, _mm256_madd_epi16(l, klo));
    hi_h = _mm256_add_epi32(hi_h, _mm256_madd_epi16(h, khi));
    lo_h = _mm256_add_epi32(lo_h, _mm256_madd_epi16(h, klo));
  }
  const __m256i round = _mm256_set1_epi32(1 << (precision_bits - 1));
  const __m256i sl =
      _mm256_srai_epi32(_mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(hi_l, 11), lo_l), round), precision_bits);
  const __m256i sh =
      _mm256_srai_epi32(_mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(hi_h, 11), lo_h), round), precision_bits);
  const __m256i w16 = _mm256_packs_epi32(sl, sh);  // lane 0: bytes 0-7, lane 1: bytes 8-15
  return _mm256_castsi256_si128(_mm256_permute4x64_epi64(_mm256_packus_epi16(w16, w16), 0x08));
}

// Vertical pass in AVX2 with the same hi/lo split as the RGB horizontal pass: rows are taken in pairs,
// their bytes interleaved as int16 [a b] and multiplied with [k_a k_b] by pmaddwd; 32 bytes of a row per
// step in two independent halves, accumulators in registers, each output row's packed coefficients
// made once. The last chunk overlaps the one before it (it rewrites the same bytes), so any width of
// 16 bytes or more is covered.
__attribute__((target("avx2"))) void vertical_avx2(const image_view& mid, int row_base, int out_h, int n,
                                                   const int* bounds, const std::int32_t* kk, int ksize,
                                                   std::vector<std::int32_t>& packed, image& out) {
  packed.resize(static_cast<std::size_t>(ksize + 1));
  for (int yy = 0; yy < out_h; ++yy) {
    const int ymin = bounds[static_cast<std::size_t>(yy) * 2] - row_base,
              ymax = bounds[static_cast<std::size_t>(yy) * 2 + 1];
    const std::int32_t* k = kk + static_cast<std::ptrdiff_t>(yy) * ksize;
    const int npairs = (ymax + 1) / 2;
    for (int j = 0; j < npairs; ++j) {
      const std::int32_t ka = k[2 * j], kb = 2 * j + 1 < ymax ? k[2 * j + 1] : 0;
      packed[static_cast<std::size_t>(2 * j)] = static_cast<std::int32_t>((static_cast<std::uint32_t>(kb >> 11) << 16) |
                                                                          static_cast<std::uint32_t>(ka >> 11));
      packed[static_cast<std::size_t>(2 * j + 1)] = static_cast<std::int32_t>(
          (static_cast<std::uint32_t>(kb & 2047) << 16) | static_cast<std::uint32_t>(ka & 2047));
    }
    std::uint8_t* o = out.row(yy);
    int x = 0;
    for (; x + 32 <= n; x += 32) {
      const __m128i r0 = vertical_16(mid, ymin, npairs, ymax, packed.data(), x);
      const __m128i r1 = vertical_16(mid, ymin, npairs, ymax, packed.data(), x + 16);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o + x), r0);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o + x + 16), r1);
    }
    for (; x < n; x += 16) {
      const int at = x + 16 <= n ? x : n - 16;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o + at), vertical_16(mid, ymin, npairs, ymax, packed.data(), at));
    }
  }
}
#endif

// Row-wise, so the inner loops run along contiguous memory and vectorize; cloned for AVX2 and chosen
// at load time, so one binary runs everywhere.
IMGBATCH_CLONES void vertical_pass(const image_view& mid, int row_base, int out_h, int n_int, int ksize,
                                   const int* bounds, const std::int32_t* kk, std::vector<std::int32_t>& acc_buf,
                                   image& out) {
  const auto n = static_cast<std::size_t>(n_int);
  acc_buf.resize(n);
  std::int32_t* acc = acc_buf.data();
  for (int yy = 0; yy < out_h; ++yy) {
    const int ymin = bounds[static_cast<std::size_t>(yy) * 2] - row_base,
              ymax = bounds[static_cast<std::size_t>(yy) * 2 + 1];
    const std::int32_t* k = kk + static_cast<std::ptrdiff_t>(yy) * ksize;
    std::fill(acc, acc + n, 1 << (precision_bits - 1));
    for (int y = 0; y < ymax; ++y) {
      const std::uint8_t* in = mid.row(ymin + y);
      const std::int32_t kv = k[y];
      for (std::size_t i = 0; i < n; ++i) acc[i] += in[i] * kv;
    }
    std::uint8_t* o = out.row(yy);
    for (std::size_t i = 0; i < n; ++i) o[i] = clip8(acc[i]);
  }
}

}  // namespace

void resize_bilinear(const image_view& src, int out_h, int out_w, image& out, resize_scratch& s, bool mirror_x,
                     bool mirror_y) {
  const int C = src.channels;
  const bool need_h = out_w != src.width, need_v = out_h != src.height;
  if ((mirror_x && !need_h) || (mirror_y && !need_v)) {  // a flip with nothing to fold it into
    flip(src, mirror_x, mirror_y, s.flipped);
    resize_bilinear(image_view::of(s.flipped), out_h, out_w, out, s);
    return;
  }
  out.reset(out_w, out_h, C, 1);
  if (!need_h && !need_v) {
    for (int y = 0; y < out_h; ++y) std::memcpy(out.row(y), src.row(y), out.row_bytes());
    return;
  }
  std::vector<int>& vbounds = s.vbounds;
  std::vector<std::int32_t>& vk = s.vcoeffs;
  int vksize = 0, y_first = 0, y_last = src.height;
  if (need_v) {
    vksize = precompute(src.height, out_h, vbounds, vk, s.weights);
    if (mirror_y) mirror_windows(src.height, out_h, vksize, vbounds, vk);
    y_first = src.height;
    y_last = 0;
    for (int yy = 0; yy < out_h; ++yy) {
      y_first = std::min(y_first, vbounds[static_cast<std::size_t>(yy) * 2]);
      y_last =
          std::max(y_last, vbounds[static_cast<std::size_t>(yy) * 2] + vbounds[static_cast<std::size_t>(yy) * 2 + 1]);
    }
  }
  image_view mid = src;
  if (need_h) {
    const int ksize = precompute(src.width, out_w, s.bounds, s.coeffs, s.weights);
    if (mirror_x) mirror_windows(src.width, out_w, ksize, s.bounds, s.coeffs);
    // Every window fits in the widest one (at most the input's width): all taps past it weigh 0.
    const int hk = compact_taps(out_w, ksize, s.bounds, s.coeffs);
    fixed_windows(src.width, out_w, hk, s.bounds, s.coeffs);
    image& tmp = need_v ? s.horizontal : out;
    if (need_v) tmp.reset(out_w, y_last - y_first, C, 1);
    horizontal(src, need_v ? y_first : 0, need_v ? y_last - y_first : out_h, out_w, hk, s, tmp);
    if (!need_v) return;
    mid = image_view::of(tmp);
  } else {
    mid = src;
  }
#if IMGBATCH_X86_SIMD
  if (out_w * C >= 16 && cpu_has_avx2()) {
    vertical_avx2(mid, need_h ? y_first : 0, out_h, out_w * C, vbounds.data(), vk.data(), vksize, s.acc, out);
    return;
  }
#endif
  vertical_pass(mid, need_h ? y_first : 0, out_h, out_w * C, vksize, vbounds.data(), vk.data(), s.acc, out);
}

namespace {
// Pillow's ImagingScaleAffine: the source position starts at scale / 2 and accumulates scale in double
// precision, truncating each time. This is floor((dst + 0.5) * in / out) except where rounding of the
// running sum crosses an integer, and there it is what Pillow (and so every PIL-based pipeline) gives.
void nearest_map(int in, int out, std::vector<int>& map) {
  map.resize(static_cast<std::size_t>(out));
  const double scale = static_cast<double>(in) / out;
  double pos = scale * 0.5;
  for (int i = 0; i < out; ++i, pos += scale)
    map[static_cast<std::size_t>(i)] = std::min(static_cast<int>(pos), in - 1);
}
}  // namespace

void resize_nearest(const image_view& src, int out_h, int out_w, image& out, std::vector<int>& xmap, bool mirror_x,
                    bool mirror_y) {
  out.reset(out_w, out_h, src.channels, src.sample_bytes);
  const std::size_t pb = src.pixel_bytes();
  nearest_map(src.width, out_w, xmap);
  if (mirror_x)
    for (int& m : xmap) m = src.width - 1 - m;
  const double scale_y = static_cast<double>(src.height) / out_h;
  double pos_y = scale_y * 0.5;
  for (int y = 0; y < out_h; ++y, pos_y += scale_y) {
    int sy = std::min(static_cast<int>(pos_y), src.height - 1);
    if (mirror_y) sy = src.height - 1 - sy;
    const std::uint8_t* in = src.row(sy);
    std::uint8_t* o = out.row(y);
    if (pb == 1) {
      for (int x = 0; x < out_w; ++x) o[x] = in[xmap[static_cast<std::size_t>(x)]];
    } else {
      for (int x = 0; x < out_w; ++x) std::memcpy(o + x * pb, in + xmap[static_cast<std::size_t>(x)] * pb, pb);
    }
  }
}

namespace {
// Source span [first, last) of each output index: the source pixels whose centre s + 0.5 lies in
// [d * in / out, (d + 1) * in / out), in exact integer arithmetic; nearest when the span is empty.
void centre_spans(int in, int out, int* spans) {
  auto first_in = [&](long long d) {  // smallest s with (2s + 1) * out >= 2 * d * in
    const long long num = 2 * d * in - out, den = 2LL * out;
    const long long s = num <= 0 ? 0 : (num + den - 1) / den;
    return static_cast<int>(std::min<long long>(s, in));
  };
  for (int d = 0; d < out; ++d) {
    int a = first_in(d), b = first_in(d + 1);
    if (b <= a) {
      a = static_cast<int>(std::min<long long>((2LL * d + 1) * in / (2LL * out), in - 1));
      b = a + 1;
    }
    spans[2 * d] = a;
    spans[2 * d + 1] = b;
  }
}
}  // namespace

void resize_valid_average(const image_view& src, int out_h, int out_w, image& out, std::vector<int>& spans) {
  out.reset(out_w, out_h, 1, 4);
  const std::size_t xs = 2 * static_cast<std::size_t>(out_w);
  spans.resize(xs + 2 * static_cast<std::size_t>(out_h));
  centre_spans(src.width, out_w, spans.data());
  centre_spans(src.height, out_h, spans.data() + xs);
  const std::vector<int>& all = spans;
  for (int y = 0; y < out_h; ++y) {
    const int y0 = all[xs + 2 * static_cast<std::size_t>(y)], y1 = all[xs + 2 * static_cast<std::size_t>(y) + 1];
    auto* o = reinterpret_cast<float*>(out.row(y));
    for (int x = 0; x < out_w; ++x) {
      const int x0 = all[2 * static_cast<std::size_t>(x)], x1 = all[2 * static_cast<std::size_t>(x) + 1];
      double sum = 0;
      int n = 0;
      for (int sy = y0; sy < y1; ++sy) {
        const auto* row = reinterpret_cast<const float*>(src.row(sy));
        for (int sx = x0; sx < x1; ++sx)
          if (!std::isnan(row[sx])) {
            sum += row[sx];
            ++n;
          }
      }
      o[x] = n ? static_cast<float>(sum / n) : std::numeric_limits<float>::quiet_NaN();
    }
  }
}

}  // namespace imgbatch::detail
