#include "transform/blur.hpp"

#include <cmath>

namespace imgbatch::detail {
namespace {

// torch's reflect padding, bouncing again for kernels wider than the image.
int reflect(int i, int n) {
  if (n == 1) return 0;
  const int period = 2 * (n - 1);
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

}  // namespace

std::vector<float> gaussian_kernel(int size, double sigma) {
  std::vector<float> k(static_cast<std::size_t>(size));
  const float half = static_cast<float>(size - 1) * 0.5f, s = static_cast<float>(sigma);
  float sum = 0;
  for (int i = 0; i < size; ++i) {
    // torch.linspace(-half, half, size) in float32
    const float x = size == 1 ? -half : -half + static_cast<float>(i) * (2.0f * half / static_cast<float>(size - 1));
    const float r = x / s;
    k[static_cast<std::size_t>(i)] = std::exp(-0.5f * r * r);
    sum += k[static_cast<std::size_t>(i)];
  }
  for (float& v : k) v /= sum;
  return k;
}

void gaussian_blur(const image_view& in, int kernel_h, int kernel_w, double sigma, image& out,
                   std::vector<float>& scratch) {
  const int w = in.width, h = in.height, c = in.channels;
  const std::vector<float> kx = gaussian_kernel(kernel_w, sigma), ky = gaussian_kernel(kernel_h, sigma);
  const int rx = kernel_w / 2, ry = kernel_h / 2;
  const std::size_t row_len = static_cast<std::size_t>(w) * c;
  scratch.resize(row_len * static_cast<std::size_t>(h));
  for (int y = 0; y < h; ++y) {
    const std::uint8_t* s = in.row(y);
    float* d = scratch.data() + row_len * static_cast<std::size_t>(y);
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < c; ++ch) {
        float acc = 0;
        for (int k = 0; k < kernel_w; ++k)
          acc += kx[static_cast<std::size_t>(k)] * static_cast<float>(s[reflect(x + k - rx, w) * c + ch]);
        d[x * c + ch] = acc;
      }
  }
  out.reset(w, h, c);
  for (int y = 0; y < h; ++y) {
    std::uint8_t* d = out.row(y);
    for (std::size_t i = 0; i < row_len; ++i) {
      float acc = 0;
      for (int k = 0; k < kernel_h; ++k)
        acc +=
            ky[static_cast<std::size_t>(k)] * scratch[row_len * static_cast<std::size_t>(reflect(y + k - ry, h)) + i];
      const float r = std::nearbyint(acc);
      d[i] = static_cast<std::uint8_t>(r < 0 ? 0 : r > 255 ? 255 : r);
    }
  }
}

}  // namespace imgbatch::detail
