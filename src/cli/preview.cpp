#include "cli/preview.hpp"

#include "decode/image.hpp"
#include "encode/png_writer.hpp"
#include "transform/plan.hpp"

#include <algorithm>
#include <cmath>

namespace imgbatch::detail {
namespace {

std::array<std::uint8_t, 3> class_colour(unsigned c) {
  int r = 0, g = 0, b = 0;
  for (int j = 0; j < 8; ++j) {
    r |= ((c >> 0) & 1) << (7 - j);
    g |= ((c >> 1) & 1) << (7 - j);
    b |= ((c >> 2) & 1) << (7 - j);
    c >>= 3;
  }
  return {static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(g), static_cast<std::uint8_t>(b)};
}

long long mask_at(const tensor& m, bool one_hot, std::size_t n, std::size_t y, std::size_t x, std::size_t H,
                  std::size_t W) {
  auto get = [&](std::size_t i) -> long long {
    switch (m.type()) {
      case dtype::uint8:
        return m.data<std::uint8_t>()[i];
      case dtype::int32:
        return m.data<std::int32_t>()[i];
      case dtype::int64:
        return m.data<std::int64_t>()[i];
      default:
        return 0;
    }
  };
  if (!one_hot) return get((n * H + y) * W + x);
  const auto C = static_cast<std::size_t>(m.dim(1));
  for (std::size_t c = 0; c < C; ++c)
    if (get(((n * C + c) * H + y) * W + x)) return static_cast<long long>(c);
  return -1;
}

}  // namespace

void write_preview(const batch& b, const pipeline_spec& spec, const std::string& path) {
  const tensor& img = b["image"];
  const bool nchw = spec.batch.image_layout == layout::nchw;
  const auto N = static_cast<std::size_t>(img.dim(0));
  const auto H = static_cast<std::size_t>(nchw ? img.dim(2) : img.dim(1));
  const auto W = static_cast<std::size_t>(nchw ? img.dim(3) : img.dim(2));
  const op_chain chain = make_chain(spec.transforms);
  const tensor* mask = b.find("mask");
  const bool one_hot = spec.targets.mask && spec.targets.mask->encoding == mask_encoding::one_hot;
  const int ignore = spec.targets.mask ? spec.targets.mask->ignore_index : -1;
  const auto cols = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(N))));
  const std::size_t rows = (N + cols - 1) / cols, gap = 4;
  image grid;
  grid.reset(static_cast<int>(cols * (W + gap) + gap), static_cast<int>(rows * (H + gap) + gap), 3);
  std::fill(grid.pixels.begin(), grid.pixels.end(), std::uint8_t{32});
  for (std::size_t n = 0; n < N; ++n) {
    const std::size_t ox = gap + (n % cols) * (W + gap), oy = gap + (n / cols) * (H + gap);
    for (std::size_t y = 0; y < H; ++y) {
      for (std::size_t x = 0; x < W; ++x) {
        double px[3];
        for (std::size_t c = 0; c < 3; ++c) {
          const std::size_t i = nchw ? ((n * 3 + c) * H + y) * W + x : ((n * H + y) * W + x) * 3 + c;
          double v = img.type() == dtype::float32 ? img.data<float>()[i] : img.data<std::uint8_t>()[i];
          if (chain.final_op == op_chain::normalize) v = (v * chain.norm.std[c] + chain.norm.mean[c]) * 255.0;
          else if (chain.final_op == op_chain::to_float) v *= 255.0;
          px[c] = v;
        }
        if (mask) {
          const long long cls = mask_at(*mask, one_hot, n, y, x, H, W);
          if (cls == ignore && ignore >= 0) {
            for (double& v : px) v = v * 0.4 + 255 * 0.6;
          } else if (cls > 0) {
            const auto col = class_colour(static_cast<unsigned>(cls));
            for (int c = 0; c < 3; ++c) px[c] = px[c] * 0.55 + col[static_cast<std::size_t>(c)] * 0.45;
          }
        }
        std::uint8_t* d = grid.row(static_cast<int>(oy + y)) + 3 * (ox + x);
        for (int c = 0; c < 3; ++c) d[c] = static_cast<std::uint8_t>(std::clamp(std::lround(px[c]), 0L, 255L));
      }
    }
  }
  write_png(path, grid);
}

}  // namespace imgbatch::detail
