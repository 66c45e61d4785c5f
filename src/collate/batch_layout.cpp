#include "collate/batch_layout.hpp"

#include "target/raster_write.hpp"
#include "util/rng.hpp"
#include "util/simd.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace imgbatch::detail {

batch_layout::batch_layout(const pipeline_spec& spec, const target_set& targets)
    : layout_(spec.batch.image_layout),
      image_type_(spec.batch.image_type),
      valid_(spec.batch.pad.has_value()),
      targets_(&targets) {
  if (spec.batch.pad) pad_value_ = spec.batch.pad->value;
}

void batch_layout::init(batch_data& b) const {
  b.tensors.clear();
  b.tensors.emplace_back("image", tensor{});
  if (valid_) b.tensors.emplace_back("valid", tensor{});
  for (const auto& t : targets_->list) t->add_tensors(b);
}

void batch_layout::shape(batch_data& b, const batch_shape& s) const {
  const auto N = static_cast<std::int64_t>(s.n);
  const std::int64_t H = s.height, W = s.width;
  tensor& img = *b.find("image");
  if (layout_ == layout::nchw) img.reshape(image_type_, {N, 3, H, W});
  else img.reshape(image_type_, {N, H, W, 3});
  if (valid_) b.find("valid")->reshape(dtype::uint8, {N, H, W});
  for (const auto& t : targets_->list) t->shape(b, s);
}

namespace {

#if IMGBATCH_X86_SIMD
// One row of 8-bit RGB through the per-channel tables into three float planes, eight pixels per step
// with AVX2 gathers (the same table entries the scalar loop reads; 2.3x faster on 512x512). Mirrored
// reads the row right to left. Returns how many pixels it wrote; the caller finishes the rest.
__attribute__((target("avx2"))) int lut_row_avx2(const std::uint8_t* row, int w, bool mirrored, const pixel_lut& lut,
                                                 float* d0, float* d1, float* d2) {
  float* d[3] = {d0, d1, d2};
  int x = 0;
  for (; x + 8 <= w; x += 8) {
    __m128i idx[3];
    split_rgb8(row + 3 * static_cast<std::ptrdiff_t>(mirrored ? w - 8 - x : x), mirrored, idx);
    for (int c = 0; c < 3; ++c)
      _mm256_storeu_ps(d[c] + x, _mm256_i32gather_ps(lut.value[static_cast<std::size_t>(c)].data(),
                                                     _mm256_cvtepu8_epi32(idx[c]), 4));
  }
  return x;
}
#endif

// Writes the sample's image into its slot (H x W): the canvas (the plan's output, ch x cw: the view
// at its offset, the canvas fill around it when a final padding crop was left to the write), then the
// batch padding `pad` to the right of and below the canvas. Flips (fx, fy) mirror the whole canvas.
template <class T>
void write_pixels(const exec_result& px, const pixel_lut* lut, layout lay, T* dst, int H, int W,
                  const std::array<T, 3>& pad) {
  const image_view& v = px.view;
  const int h = v.height, w = v.width;
  const std::uint8_t* tone = px.tone ? px.tone->data() : nullptr;  // uint8 output: the plan's table (float: in lut)
  const int ch = px.canvas ? px.canvas->height : h, cw = px.canvas ? px.canvas->width : w;
  int top = px.canvas ? px.canvas->top : 0, left = px.canvas ? px.canvas->left : 0;
  if (px.fx) left = cw - left - w;
  if (px.fy) top = ch - top - h;
  std::array<T, 3> fill{};
  if (px.canvas)
    for (std::size_t c = 0; c < 3; ++c) {
      const std::uint8_t f = px.canvas->fill[c];
      if constexpr (std::is_same_v<T, float>) fill[c] = lut->value[c][f];
      else fill[c] = tone ? tone[f] : f;
    }
  const std::size_t plane = static_cast<std::size_t>(H) * W;
  // Columns [x0, x1) of output row y set to one value per channel.
  auto run = [&](int y, int x0, int x1, const std::array<T, 3>& val) {
    if (x1 <= x0) return;
    if (lay == layout::nchw) {
      for (std::size_t c = 0; c < 3; ++c) {
        T* d = dst + c * plane + static_cast<std::size_t>(y) * W;
        std::fill(d + x0, d + x1, val[c]);
      }
    } else {
      T* d = dst + static_cast<std::size_t>(y) * W * 3;
      for (int x = x0; x < x1; ++x)
        for (std::size_t c = 0; c < 3; ++c) d[x * 3 + static_cast<int>(c)] = val[c];
    }
  };
  for (int y = 0; y < H; ++y) {
    if (y >= ch) {
      run(y, 0, W, pad);
      continue;
    }
    if (y < top || y >= top + h) {
      run(y, 0, cw, fill);
      run(y, cw, W, pad);
      continue;
    }
    run(y, 0, left, fill);
    const std::uint8_t* row = v.row(px.fy ? h - 1 - (y - top) : y - top);
    if (lay == layout::nchw) {
      T* d0 = dst + static_cast<std::size_t>(y) * W + left;
      T* d1 = d0 + plane;
      T* d2 = d1 + plane;
      int x = 0;
#if IMGBATCH_X86_SIMD
      if constexpr (std::is_same_v<T, float>) {
        if (cpu_has_avx2()) x = lut_row_avx2(row, w, px.fx, *lut, d0, d1, d2);
      }
#endif
      for (; x < w; ++x) {
        const std::uint8_t* p = row + 3 * (px.fx ? w - 1 - x : x);
        if constexpr (std::is_same_v<T, float>) {
          d0[x] = lut->value[0][p[0]];
          d1[x] = lut->value[1][p[1]];
          d2[x] = lut->value[2][p[2]];
        } else if (tone) {
          d0[x] = tone[p[0]];
          d1[x] = tone[p[1]];
          d2[x] = tone[p[2]];
        } else {
          d0[x] = p[0];
          d1[x] = p[1];
          d2[x] = p[2];
        }
      }
    } else {
      T* d = dst + (static_cast<std::size_t>(y) * W + static_cast<std::size_t>(left)) * 3;
      bool done = false;
      if constexpr (std::is_same_v<T, std::uint8_t>) {
        if (!px.fx && !tone) {
          std::memcpy(d, row, static_cast<std::size_t>(w) * 3);
          done = true;
        }
      }
      if (!done)
        for (int x = 0; x < w; ++x) {
          const std::uint8_t* p = row + 3 * (px.fx ? w - 1 - x : x);
          for (int c = 0; c < 3; ++c) {
            if constexpr (std::is_same_v<T, float>) d[x * 3 + c] = lut->value[c][p[c]];
            else d[x * 3 + c] = tone ? tone[p[c]] : p[c];
          }
        }
    }
    run(y, left + w, cw, fill);
    run(y, cw, W, pad);
  }
}

}  // namespace

void batch_layout::write_image(batch_data& b, std::size_t slot, const exec_result& px, const pixel_lut& lut,
                               const batch_shape& s) const {
  tensor& t = *b.find("image");
  const std::size_t per = static_cast<std::size_t>(s.height) * s.width * 3;
  if (image_type_ == dtype::float32) {
    if (px.tone) {  // a brightness/contrast table left by the plan: composed with the output table
      pixel_lut composed;
      for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t v = 0; v < 256; ++v) composed.value[c][v] = lut.value[c][(*px.tone)[v]];
      write_pixels<float>(px, &composed, layout_, t.data<float>() + slot * per, s.height, s.width, pad_value_);
    } else {
      write_pixels<float>(px, &lut, layout_, t.data<float>() + slot * per, s.height, s.width, pad_value_);
    }
  } else {
    std::array<std::uint8_t, 3> pad{};
    for (int c = 0; c < 3; ++c)
      pad[static_cast<std::size_t>(c)] =
          static_cast<std::uint8_t>(std::clamp(std::lround(pad_value_[static_cast<std::size_t>(c)]), 0L, 255L));
    write_pixels<std::uint8_t>(px, nullptr, layout_, t.data<std::uint8_t>() + slot * per, s.height, s.width, pad);
  }
}

void batch_layout::write_valid(batch_data& b, std::size_t slot, const std::array<int, 4>& r,
                               const batch_shape& s) const {
  std::uint8_t* d = b.find("valid")->data<std::uint8_t>() + slot * static_cast<std::size_t>(s.height) * s.width;
  std::memset(d, 0, static_cast<std::size_t>(s.height) * s.width);
  for (int y = r[1]; y < r[3] && y < s.height; ++y)
    std::memset(d + static_cast<std::size_t>(y) * s.width + r[0], 1,
                static_cast<std::size_t>(std::min(r[2], s.width) - r[0]));
}

void batch_layout::write_valid(batch_data& b, std::size_t slot, const exec_result& ones, const batch_shape& s) const {
  std::uint8_t* d = b.find("valid")->data<std::uint8_t>() + slot * static_cast<std::size_t>(s.height) * s.width;
  write_plane<std::uint8_t, std::uint8_t>(ones, d, s.height, s.width, 0, [](std::uint8_t v) { return v; });
}

void batch_layout::erase(batch_data& b, std::size_t slot, const erase_box& e, const batch_shape& s) const {
  tensor& t = *b.find("image");
  const std::size_t H = static_cast<std::size_t>(s.height), W = static_cast<std::size_t>(s.width);
  const std::size_t per = H * W * 3;
  counter_rng noise(e.noise_key);
  // Element (c, y, x) of the image slot, in either layout.
  auto at = [&](std::size_t c, std::size_t y, std::size_t x) {
    return layout_ == layout::nchw ? (c * H + y) * W + x : (y * W + x) * 3 + c;
  };
  for (std::size_t c = 0; c < 3; ++c)
    for (int y = e.y; y < e.y + e.height; ++y)
      for (int x = e.x; x < e.x + e.width; ++x) {
        const float v = e.random ? static_cast<float>(noise.normal()) : e.value[c];
        const std::size_t i = slot * per + at(c, static_cast<std::size_t>(y), static_cast<std::size_t>(x));
        if (image_type_ == dtype::float32) t.data<float>()[i] = v;
        else t.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
}

}  // namespace imgbatch::detail
