#include "collate/batch_layout.hpp"

#include <cstring>

namespace imgbatch::detail {

batch_layout::batch_layout(const pipeline_spec& spec)
    : layout_(spec.batch.image_layout), image_type_(spec.batch.image_type), mask_(spec.targets.mask) {
  if (mask_)
    mask_type_ = mask_->type ? *mask_->type : (mask_->encoding == mask_encoding::one_hot ? dtype::uint8 : dtype::int64);
}

void batch_layout::init(detail::batch_data& b) const {
  b.tensors.clear();
  b.tensors.emplace_back("image", tensor{});
  if (mask_) b.tensors.emplace_back("mask", tensor{});
}

void batch_layout::shape(detail::batch_data& b, std::size_t n, int h, int w) const {
  const auto N = static_cast<std::int64_t>(n);
  const std::int64_t H = h, W = w;
  if (layout_ == layout::nchw) b.tensors[0].second.reshape(image_type_, {N, 3, H, W});
  else b.tensors[0].second.reshape(image_type_, {N, H, W, 3});
  if (mask_) {
    if (mask_->encoding == mask_encoding::one_hot)
      b.tensors[1].second.reshape(mask_type_, {N, mask_->num_classes, H, W});
    else b.tensors[1].second.reshape(mask_type_, {N, H, W});
  }
}

namespace {

template <class T>
void write_pixels(const exec_result& px, const pixel_lut* lut, layout lay, T* dst) {
  const image_view& v = px.view;
  const int H = v.height, W = v.width;
  const std::size_t plane = static_cast<std::size_t>(H) * W;
  for (int y = 0; y < H; ++y) {
    const std::uint8_t* row = v.row(px.fy ? H - 1 - y : y);
    if (lay == layout::nchw) {
      T* d0 = dst + static_cast<std::size_t>(y) * W;
      T* d1 = d0 + plane;
      T* d2 = d1 + plane;
      for (int x = 0; x < W; ++x) {
        const std::uint8_t* p = row + 3 * (px.fx ? W - 1 - x : x);
        if constexpr (std::is_same_v<T, float>) {
          d0[x] = lut->value[0][p[0]];
          d1[x] = lut->value[1][p[1]];
          d2[x] = lut->value[2][p[2]];
        } else {
          d0[x] = p[0];
          d1[x] = p[1];
          d2[x] = p[2];
        }
      }
    } else {
      T* d = dst + static_cast<std::size_t>(y) * W * 3;
      if constexpr (std::is_same_v<T, std::uint8_t>) {
        if (!px.fx) {
          std::memcpy(d, row, static_cast<std::size_t>(W) * 3);
          continue;
        }
      }
      for (int x = 0; x < W; ++x) {
        const std::uint8_t* p = row + 3 * (px.fx ? W - 1 - x : x);
        for (int c = 0; c < 3; ++c) {
          if constexpr (std::is_same_v<T, float>) d[x * 3 + c] = lut->value[c][p[c]];
          else d[x * 3 + c] = p[c];
        }
      }
    }
  }
}

template <class S, class T>
void write_index(const exec_result& px, T* dst) {
  const image_view& v = px.view;
  const int H = v.height, W = v.width;
  for (int y = 0; y < H; ++y) {
    const S* row = reinterpret_cast<const S*>(v.row(px.fy ? H - 1 - y : y));
    T* d = dst + static_cast<std::size_t>(y) * W;
    if (px.fx)
      for (int x = 0; x < W; ++x) d[x] = static_cast<T>(row[W - 1 - x]);
    else
      for (int x = 0; x < W; ++x) d[x] = static_cast<T>(row[x]);
  }
}

template <class S, class T>
void write_one_hot(const exec_result& px, int classes, T* dst) {
  const image_view& v = px.view;
  const int H = v.height, W = v.width;
  const std::size_t plane = static_cast<std::size_t>(H) * W;
  std::memset(dst, 0, plane * classes * sizeof(T));
  for (int y = 0; y < H; ++y) {
    const S* row = reinterpret_cast<const S*>(v.row(px.fy ? H - 1 - y : y));
    for (int x = 0; x < W; ++x) {
      const unsigned c = row[px.fx ? W - 1 - x : x];
      if (c < static_cast<unsigned>(classes)) dst[c * plane + static_cast<std::size_t>(y) * W + x] = T(1);
    }
  }
}

template <class S>
void write_mask_typed(const exec_result& px, const mask_target& m, tensor& t, std::size_t slot) {
  const std::size_t plane = static_cast<std::size_t>(px.view.height) * px.view.width;
  const std::size_t per = m.encoding == mask_encoding::one_hot ? plane * m.num_classes : plane;
  switch (t.type()) {
    case dtype::uint8: {
      auto* d = t.data<std::uint8_t>() + slot * per;
      m.encoding == mask_encoding::one_hot ? write_one_hot<S>(px, m.num_classes, d) : write_index<S>(px, d);
      break;
    }
    case dtype::int32: {
      auto* d = t.data<std::int32_t>() + slot * per;
      m.encoding == mask_encoding::one_hot ? write_one_hot<S>(px, m.num_classes, d) : write_index<S>(px, d);
      break;
    }
    case dtype::int64: {
      auto* d = t.data<std::int64_t>() + slot * per;
      m.encoding == mask_encoding::one_hot ? write_one_hot<S>(px, m.num_classes, d) : write_index<S>(px, d);
      break;
    }
    default:
      throw std::logic_error("mask dtype must be uint8, int32 or int64");
  }
}

}  // namespace

void batch_layout::write_image(detail::batch_data& b, std::size_t slot, const exec_result& px,
                               const pixel_lut& lut) const {
  tensor& t = b.tensors[0].second;
  const std::size_t per = static_cast<std::size_t>(px.view.height) * px.view.width * 3;
  if (image_type_ == dtype::float32) write_pixels<float>(px, &lut, layout_, t.data<float>() + slot * per);
  else write_pixels<std::uint8_t>(px, nullptr, layout_, t.data<std::uint8_t>() + slot * per);
}

void batch_layout::write_mask(detail::batch_data& b, std::size_t slot, const exec_result& px) const {
  if (px.view.sample_bytes == 2) write_mask_typed<std::uint16_t>(px, *mask_, b.tensors[1].second, slot);
  else write_mask_typed<std::uint8_t>(px, *mask_, b.tensors[1].second, slot);
}

}  // namespace imgbatch::detail
