#include "support/fixtures.hpp"

#include "decode/decoder.hpp"
#include "encode/png_writer.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>

namespace imgbatch::test {

temp_dir::temp_dir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("imgbatch-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

detail::image make_image(int w, int h, int channels, const std::function<int(int, int, int)>& f) {
  detail::image im;
  im.reset(w, h, channels);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c) im.row(y)[x * channels + c] = static_cast<std::uint8_t>(f(x, y, c));
  return im;
}

std::array<std::uint8_t, 3> colour_of(int i) {
  return {static_cast<std::uint8_t>((i * 7) % 256), static_cast<std::uint8_t>(i % 256),
          static_cast<std::uint8_t>(255 - i % 256)};
}

void write_dataset(const std::filesystem::path& root, int count, bool with_masks,
                   const std::function<std::array<int, 2>(int)>& size_of, const pixel_fn& pixel, const mask_fn& mask) {
  std::filesystem::create_directories(root / "images");
  if (with_masks) std::filesystem::create_directories(root / "masks");
  std::vector<std::array<std::uint8_t, 3>> palette(256);
  for (int i = 0; i < 256; ++i) palette[static_cast<std::size_t>(i)] = {static_cast<std::uint8_t>(i), 0, 0};
  for (int i = 0; i < count; ++i) {
    char stem[16];
    std::snprintf(stem, sizeof stem, "%04d", i);
    auto [h, w] = size_of(i);
    detail::write_png((root / "images" / (std::string(stem) + ".png")).string(),
                      make_image(w, h, 3, [&](int x, int y, int c) { return pixel(i, x, y, c); }));
    if (with_masks)
      detail::write_png((root / "masks" / (std::string(stem) + ".png")).string(),
                        make_image(w, h, 1, [&](int x, int y, int) { return mask(i, x, y); }), palette);
  }
}

void write_constant_dataset(const std::filesystem::path& root, int count, bool with_masks, int classes,
                            const std::function<std::array<int, 2>(int)>& size_of) {
  write_dataset(
      root, count, with_masks, size_of,
      [](int i, int, int, int c) { return colour_of(i)[static_cast<std::size_t>(c)]; },
      [classes](int i, int, int) { return i % classes; });
}

int texture(int i, int x, int y, int c) {
  std::uint32_t v = static_cast<std::uint32_t>(i) * 0x9e3779b1u ^ static_cast<std::uint32_t>(x) * 0x85ebca6bu ^
                    static_cast<std::uint32_t>(y) * 0xc2b2ae35u ^ static_cast<std::uint32_t>(c) * 0x27d4eb2fu;
  v ^= v >> 15;
  v *= 0x2c1b3c6du;
  v ^= v >> 12;
  return static_cast<int>(v & 0xff);
}

void write_textured_dataset(const std::filesystem::path& root, int count, bool with_masks, int classes,
                            const std::function<std::array<int, 2>(int)>& size_of) {
  write_dataset(root, count, with_masks, size_of, texture,
                [classes](int i, int x, int y) { return (x / 3 + (y / 2) * 5 + i) % classes; });
}

std::string decode_error_of(const std::vector<std::uint8_t>& bytes, detail::pixel_kind kind,
                            const detail::decode_options& opt, detail::image& out) {
  detail::decoder d;
  try {
    d.decode(bytes.data(), bytes.size(), kind, opt, out);
  } catch (const detail::decode_failure& e) {
    return e.what();
  }
  return {};
}

void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
}

pipeline_spec seg_spec(const std::filesystem::path& base, const std::string& root, int classes) {
  pipeline_spec s;
  s.base_dir = base;
  s.dataset.root = root;
  s.dataset.masks = "masks";
  s.targets.mask = mask_target{.num_classes = classes, .ignore_index = 255};
  return s;
}

}  // namespace imgbatch::test
