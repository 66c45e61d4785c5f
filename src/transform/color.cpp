// Pillow's arithmetic is kept to the letter (float blends truncated, the HSV code of Convert.c with its
// mix of float and double), so that results equal torchvision's functional ops on PIL images.
#include "transform/color.hpp"

#include "util/simd.hpp"

#include <array>
#include <cmath>

namespace imgbatch::detail {
namespace {

// Image.blend: in1 + alpha * (in2 - in1) in float, clipped, truncated (Blend.c).
inline std::uint8_t blend(int in1, int in2, float alpha) noexcept {
  const float t = static_cast<float>(in1) + alpha * static_cast<float>(in2 - in1);
  if (t <= 0.0f) return 0;
  if (t >= 255.0f) return 255;
  return static_cast<std::uint8_t>(t);
}

template <class F>
void per_pixel(const image_view& in, image& out, F&& f) {
  out.reset(in.width, in.height, 3);
  for (int y = 0; y < in.height; ++y) {
    const std::uint8_t* s = in.row(y);
    std::uint8_t* d = out.row(y);
    for (int x = 0; x < in.width; ++x, s += 3, d += 3) f(s, d);
  }
}

std::array<std::uint8_t, 256> blend_lut(int degenerate, float alpha) {
  std::array<std::uint8_t, 256> lut{};
  for (int v = 0; v < 256; ++v) lut[static_cast<std::size_t>(v)] = blend(degenerate, v, alpha);
  return lut;
}

std::uint8_t clip8(int v) noexcept { return static_cast<std::uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v); }

// Convert.c rgb2hsv_row.
void rgb_to_hsv(const std::uint8_t* in, std::uint8_t* out) {
  const std::uint8_t r = in[0], g = in[1], b = in[2];
  const std::uint8_t maxc = std::max(r, std::max(g, b)), minc = std::min(r, std::min(g, b));
  std::uint8_t uh = 0, us = 0;
  if (minc != maxc) {
    const float cr = static_cast<float>(maxc - minc);
    const float s = cr / static_cast<float>(maxc);
    const float rc = static_cast<float>(maxc - r) / cr, gc = static_cast<float>(maxc - g) / cr,
                bc = static_cast<float>(maxc - b) / cr;
    float h;
    if (r == maxc) h = bc - gc;
    else if (g == maxc) h = static_cast<float>(2.0 + rc - bc);
    else h = static_cast<float>(4.0 + gc - rc);
    // fmod(x, 1) for x = h / 6 + 1 in [0.5, 2): x - 1 is exact there (Sterbenz), so this is the same value.
    const double x = h / 6.0 + 1.0;
    h = static_cast<float>(x >= 1.0 ? x - 1.0 : x);
    uh = clip8(static_cast<int>(h * 255.0));
    us = clip8(static_cast<int>(s * 255.0));
  }
  out[0] = uh;
  out[1] = us;
  out[2] = maxc;
}

// Convert.c hsv2rgb.
void hsv_to_rgb(const std::uint8_t* in, std::uint8_t* out) {
  const std::uint8_t h = in[0], s = in[1], v = in[2];
  if (s == 0) {
    out[0] = out[1] = out[2] = v;
    return;
  }
  const int i = static_cast<int>(std::floor(static_cast<float>(h) * 6.0 / 255.0));
  const float f = static_cast<float>(static_cast<float>(h) * 6.0 / 255.0 - static_cast<float>(i));
  const float fs = static_cast<float>(static_cast<float>(s) / 255.0);
  const std::uint8_t up = clip8(static_cast<int>(std::round(static_cast<float>(v) * (1.0 - fs))));
  const std::uint8_t uq = clip8(static_cast<int>(std::round(static_cast<float>(v) * (1.0 - fs * f))));
  const std::uint8_t ut = clip8(static_cast<int>(std::round(static_cast<float>(v) * (1.0 - fs * (1.0 - f)))));
  switch (i % 6) {
    case 0:
      out[0] = v, out[1] = ut, out[2] = up;
      break;
    case 1:
      out[0] = uq, out[1] = v, out[2] = up;
      break;
    case 2:
      out[0] = up, out[1] = v, out[2] = ut;
      break;
    case 3:
      out[0] = up, out[1] = uq, out[2] = v;
      break;
    case 4:
      out[0] = ut, out[1] = up, out[2] = v;
      break;
    default:
      out[0] = v, out[1] = up, out[2] = uq;
      break;
  }
}

}  // namespace

void to_grayscale(const image_view& in, image& out) {
  per_pixel(in, out, [](const std::uint8_t* s, std::uint8_t* d) { d[0] = d[1] = d[2] = grey_of(s); });
}

namespace {

// The chain's adjustments for one pixel, in order, from `first` up to (not including) `last`.
struct chain {
  std::array<std::int8_t, 4> order;
  std::array<float, 4> factor;
  std::uint8_t hue_shift;
  std::array<std::uint8_t, 256> brightness{}, contrast{};

  void run(std::uint8_t* p, std::size_t first, std::size_t last) const {
    for (std::size_t k = first; k < last && order[k] >= 0; ++k) {
      switch (order[k]) {
        case 0:
          p[0] = brightness[p[0]], p[1] = brightness[p[1]], p[2] = brightness[p[2]];
          break;
        case 1:
          p[0] = contrast[p[0]], p[1] = contrast[p[1]], p[2] = contrast[p[2]];
          break;
        case 2: {
          const int l = grey_of(p);
          p[0] = blend(l, p[0], factor[k]), p[1] = blend(l, p[1], factor[k]), p[2] = blend(l, p[2], factor[k]);
          break;
        }
        default: {
          std::uint8_t hsv[3];
          rgb_to_hsv(p, hsv);
          hsv[0] = static_cast<std::uint8_t>(hsv[0] + hue_shift);
          hsv_to_rgb(hsv, p);
          break;
        }
      }
    }
  }
};

#if IMGBATCH_X86_SIMD
// Sum of Pillow's L over the image, eight pixels per step: bytes split by channel, then
// (19595 R + 38470 G + 7471 B + 0x8000) >> 16 in 32-bit lanes, the same integer arithmetic as grey_of.
// Returns the pixels it did of each row (a multiple of 8).
__attribute__((target("avx2"))) int grey_sum_avx2(const image_view& v, std::uint64_t& sum) {
  const __m256i kr = _mm256_set1_epi32(19595), kg = _mm256_set1_epi32(38470), kb = _mm256_set1_epi32(7471),
                half = _mm256_set1_epi32(0x8000);
  const int done = v.width / 8 * 8;
  for (int y = 0; y < v.height; ++y) {
    const std::uint8_t* p = v.row(y);
    __m256i acc = _mm256_setzero_si256();  // at most 255 * width / 8 per lane
    for (int x = 0; x < done; x += 8, p += 24) {
      __m128i c[3];
      split_rgb8(p, false, c);
      const __m256i r = _mm256_cvtepu8_epi32(c[0]), g = _mm256_cvtepu8_epi32(c[1]), b = _mm256_cvtepu8_epi32(c[2]);
      const __m256i l = _mm256_add_epi32(_mm256_add_epi32(_mm256_mullo_epi32(r, kr), _mm256_mullo_epi32(g, kg)),
                                         _mm256_add_epi32(_mm256_mullo_epi32(b, kb), half));
      acc = _mm256_add_epi32(acc, _mm256_srli_epi32(l, 16));
    }
    alignas(32) std::uint32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc);
    for (const std::uint32_t lane : lanes) sum += lane;
  }
  return done;
}
#endif

// Sum of grey_of over `v`, each pixel first mapped through `table` when given.
std::uint64_t grey_sum(const image_view& v, const std::array<std::uint8_t, 256>* table) {
  std::uint64_t sum = 0;
  if (table) {
    // Each channel's weight folded into its table: three loads and adds per pixel (faster than AVX2
    // gathers on CPUs with the gather microcode mitigation).
    std::array<std::uint32_t, 256> tr, tg, tb;
    for (std::size_t i = 0; i < 256; ++i) {
      tr[i] = (*table)[i] * 19595u;
      tg[i] = (*table)[i] * 38470u;
      tb[i] = (*table)[i] * 7471u + 0x8000u;
    }
    for (int y = 0; y < v.height; ++y) {
      const std::uint8_t* s = v.row(y);
      std::uint32_t row = 0;  // at most 255 per pixel
      for (int x = 0; x < v.width; ++x, s += 3) row += (tr[s[0]] + tg[s[1]] + tb[s[2]]) >> 16;
      sum += row;
    }
    return sum;
  }
  int from = 0;
#if IMGBATCH_X86_SIMD
  if (cpu_has_avx2() && v.width >= 8) from = grey_sum_avx2(v, sum);
#endif
  for (int y = 0; y < v.height; ++y) {
    const std::uint8_t* s = v.row(y) + 3 * from;
    for (int x = from; x < v.width; ++x, s += 3) sum += grey_of(s);
  }
  return sum;
}

}  // namespace

bool color_table(const image_view& stats_of, const std::array<std::int8_t, 4>& order,
                 const std::array<float, 4>& factor, std::array<std::uint8_t, 256>& table) {
  std::size_t count = 0;
  for (; count < 4 && order[count] >= 0; ++count)
    if (order[count] >= 2) return false;
  chain c{order, factor, 0};
  for (std::size_t k = 0; k < count; ++k)
    if (order[k] == 0) c.brightness = blend_lut(0, factor[k]);
  for (std::size_t k = 0; k < count; ++k)
    if (order[k] == 1) {
      // ImageEnhance.Contrast: int(mean + 0.5) of the grey image as the steps before it left it.
      const bool after_brightness = k == 1;
      const std::uint64_t sum = grey_sum(stats_of, after_brightness ? &c.brightness : nullptr);
      const double n = static_cast<double>(stats_of.width) * stats_of.height;
      const int mean = n > 0 ? static_cast<int>(static_cast<double>(sum) / n + 0.5) : 0;
      c.contrast = blend_lut(mean, factor[k]);
    }
  for (int v = 0; v < 256; ++v) {
    std::uint8_t p[3] = {static_cast<std::uint8_t>(v), 0, 0};
    c.run(p, 0, count);
    table[static_cast<std::size_t>(v)] = p[0];
  }
  return true;
}

void color_chain(const image_view& stats_of, const image_view& in, const std::array<std::int8_t, 4>& order,
                 const std::array<float, 4>& factor, std::uint8_t hue_shift, image& out) {
  std::array<std::uint8_t, 256> table{};
  if (color_table(stats_of, order, factor, table)) {  // brightness and contrast: one table
    out.reset(in.width, in.height, 3);
    const int n = 3 * in.width;
    for (int y = 0; y < in.height; ++y) {
      const std::uint8_t* s = in.row(y);
      std::uint8_t* d = out.row(y);
      for (int x = 0; x < n; ++x) d[x] = table[static_cast<std::size_t>(s[x])];
    }
    return;
  }
  chain c{order, factor, hue_shift};
  std::size_t contrast_at = 4;
  for (std::size_t k = 0; k < 4 && order[k] >= 0; ++k) {
    if (order[k] == 0) c.brightness = blend_lut(0, factor[k]);
    if (order[k] == 1) contrast_at = k;
  }
  if (contrast_at < 4) {
    // ImageEnhance.Contrast: the grey mean of the whole image as the earlier adjustments left it,
    // int(mean + 0.5); a read-only pass.
    std::uint64_t sum = 0;
    const bool plain = contrast_at == 0, after_brightness = contrast_at == 1 && order[0] == 0;
    if (plain || after_brightness) {
      sum = grey_sum(stats_of, after_brightness ? &c.brightness : nullptr);
    } else {
      for (int y = 0; y < stats_of.height; ++y) {
        const std::uint8_t* s = stats_of.row(y);
        for (int x = 0; x < stats_of.width; ++x, s += 3) {
          std::uint8_t p[3] = {s[0], s[1], s[2]};
          c.run(p, 0, contrast_at);
          sum += grey_of(p);
        }
      }
    }
    const double n = static_cast<double>(stats_of.width) * stats_of.height;
    const int mean = n > 0 ? static_cast<int>(static_cast<double>(sum) / n + 0.5) : 0;
    c.contrast = blend_lut(mean, factor[contrast_at]);
  }
  per_pixel(in, out, [&](const std::uint8_t* s, std::uint8_t* d) {
    d[0] = s[0], d[1] = s[1], d[2] = s[2];
    c.run(d, 0, 4);
  });
}

}  // namespace imgbatch::detail
