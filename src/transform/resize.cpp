#include "transform/resize.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
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

inline std::uint8_t clip8(std::int32_t v) {
  if (v >= (1 << precision_bits << 8)) return 255;
  if (v <= 0) return 0;
  return static_cast<std::uint8_t>(v >> precision_bits);
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

template <int C, int K>
[[gnu::always_inline]] inline void horizontal_fixed(const image_view& src, int y_first, int rows, int out_w,
                                                    const int* bounds, const std::int32_t* kk, image& dst) {
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* in = src.row(y_first + y);
    std::uint8_t* out = dst.row(y);
    for (int xx = 0; xx < out_w; ++xx) {
      const std::int32_t* k = kk + static_cast<std::ptrdiff_t>(xx) * K;
      const std::uint8_t* p = in + bounds[xx * 2] * C;
      std::int32_t ss[C];
      for (int c = 0; c < C; ++c) ss[c] = 1 << (precision_bits - 1);
      for (int x = 0; x < K; ++x)
        for (int c = 0; c < C; ++c) ss[c] += p[x * C + c] * k[x];
      for (int c = 0; c < C; ++c) out[xx * C + c] = clip8(ss[c]);
    }
  }
}

template <int C>
[[gnu::always_inline]] inline void horizontal_pass(const image_view& src, int y_first, int rows, int out_w, int ksize,
                                                   const int* bounds, const std::int32_t* kk, image& dst) {
  switch (ksize) {  // shrink factors up to 4 cover almost every training resize
    case 3:
      return horizontal_fixed<C, 3>(src, y_first, rows, out_w, bounds, kk, dst);
    case 5:
      return horizontal_fixed<C, 5>(src, y_first, rows, out_w, bounds, kk, dst);
    case 7:
      return horizontal_fixed<C, 7>(src, y_first, rows, out_w, bounds, kk, dst);
    case 9:
      return horizontal_fixed<C, 9>(src, y_first, rows, out_w, bounds, kk, dst);
    default:
      break;
  }
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* in = src.row(y_first + y);
    std::uint8_t* out = dst.row(y);
    for (int xx = 0; xx < out_w; ++xx) {
      const std::int32_t* k = kk + static_cast<std::ptrdiff_t>(xx) * ksize;
      std::int32_t ss[C];
      for (int c = 0; c < C; ++c) ss[c] = 1 << (precision_bits - 1);
      const std::uint8_t* p = in + bounds[xx * 2] * C;
      for (int x = 0; x < ksize; ++x, p += C)
        for (int c = 0; c < C; ++c) ss[c] += p[c] * k[x];
      for (int c = 0; c < C; ++c) out[xx * C + c] = clip8(ss[c]);
    }
  }
}

IMGBATCH_CLONES void horizontal_any(const image_view& src, int y_first, int rows, int out_w, int ksize,
                                    const int* bounds, const std::int32_t* kk, image& dst) {
  switch (src.channels) {
    case 1:
      horizontal_pass<1>(src, y_first, rows, out_w, ksize, bounds, kk, dst);
      break;
    case 3:
      horizontal_pass<3>(src, y_first, rows, out_w, ksize, bounds, kk, dst);
      break;
    case 4:
      horizontal_pass<4>(src, y_first, rows, out_w, ksize, bounds, kk, dst);
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

// Pillow's loop as written, for inputs narrower than the filter.
void horizontal_small(const image_view& src, int y_first, int rows, int out_w, int ksize, const int* bounds,
                      const std::int32_t* kk, image& dst, bool into_scratch) {
  if (into_scratch) dst.reset(out_w, rows, src.channels, 1);
  const int C = src.channels;
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* in = src.row(y_first + y);
    std::uint8_t* out = dst.row(y);
    for (int xx = 0; xx < out_w; ++xx) {
      const int xmin = bounds[xx * 2], xmax = bounds[xx * 2 + 1];
      const std::int32_t* k = kk + static_cast<std::ptrdiff_t>(xx) * ksize;
      for (int c = 0; c < C; ++c) {
        std::int32_t ss = 1 << (precision_bits - 1);
        for (int x = 0; x < xmax; ++x) ss += in[(xmin + x) * C + c] * k[x];
        out[xx * C + c] = clip8(ss);
      }
    }
  }
}

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

void resize_bilinear(const image_view& src, int out_h, int out_w, image& out, resize_scratch& s) {
  const int C = src.channels;
  const bool need_h = out_w != src.width, need_v = out_h != src.height;
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
    y_first = vbounds[0];
    y_last = vbounds[static_cast<std::size_t>(out_h) * 2 - 2] + vbounds[static_cast<std::size_t>(out_h) * 2 - 1];
  }
  image_view mid = src;
  if (need_h) {
    const int hk = precompute(src.width, out_w, s.bounds, s.coeffs, s.weights);
    if (hk > src.width) {
      // Fewer input pixels than taps (tiny images): keep Pillow's variable windows.
      horizontal_small(src, need_v ? y_first : 0, need_v ? y_last - y_first : out_h, out_w, hk, s.bounds.data(),
                       s.coeffs.data(), need_v ? s.horizontal : out, need_v);
      if (!need_v) return;
      mid = image_view::of(s.horizontal);
    } else {
      fixed_windows(src.width, out_w, hk, s.bounds, s.coeffs);
      image& tmp = need_v ? s.horizontal : out;
      if (need_v) tmp.reset(out_w, y_last - y_first, C, 1);
      horizontal_any(src, need_v ? y_first : 0, need_v ? y_last - y_first : out_h, out_w, hk, s.bounds.data(),
                     s.coeffs.data(), tmp);
      if (!need_v) return;
      mid = image_view::of(tmp);
    }
  } else {
    mid = src;
  }
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

void resize_nearest(const image_view& src, int out_h, int out_w, image& out, std::vector<int>& xmap) {
  out.reset(out_w, out_h, src.channels, src.sample_bytes);
  const std::size_t pb = src.pixel_bytes();
  nearest_map(src.width, out_w, xmap);
  const double scale_y = static_cast<double>(src.height) / out_h;
  double pos_y = scale_y * 0.5;
  for (int y = 0; y < out_h; ++y, pos_y += scale_y) {
    const int sy = std::min(static_cast<int>(pos_y), src.height - 1);
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
