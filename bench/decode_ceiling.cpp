#include "decode_ceiling.hpp"

#include <imgbatch/error.hpp>

#include "util/file.hpp"

#include <png.h>
#include <turbojpeg.h>

#include <algorithm>
#include <chrono>
#include <csetjmp>
#include <cstdint>
#include <cstring>

namespace imgbatch::bench {
namespace {

struct mem_reader {
  const std::uint8_t* p;
  std::size_t left;
};

void on_read(png_structp png, png_bytep dst, png_size_t n) {
  auto* r = static_cast<mem_reader*>(png_get_io_ptr(png));
  if (n > r->left) png_error(png, "truncated");
  std::memcpy(dst, r->p, n);
  r->p += n;
  r->left -= n;
}

// Raw rows as stored (palette indices stay indices, 16-bit swapped to host order).
int png_raw(const std::vector<std::uint8_t>& buf, std::vector<std::uint8_t>& out, std::vector<png_bytep>& rows) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  mem_reader r{buf.data(), buf.size()};
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return 1;
  }
  png_set_read_fn(png, &r, on_read);
  png_read_info(png, info);
  if (png_get_bit_depth(png, info) == 16) png_set_swap(png);
  png_read_update_info(png, info);
  const std::size_t rowbytes = png_get_rowbytes(png, info);
  const png_uint_32 h = png_get_image_height(png, info);
  if (out.size() < rowbytes * h) out.resize(rowbytes * h);
  rows.resize(h);
  for (png_uint_32 y = 0; y < h; ++y) rows[y] = out.data() + y * rowbytes;
  png_read_image(png, rows.data());
  png_destroy_read_struct(&png, &info, nullptr);
  return 0;
}

}  // namespace

double decode_rate_one_core(const std::vector<std::vector<std::string>>& samples, int repeats) {
  std::vector<std::vector<std::vector<std::uint8_t>>> bytes(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i)
    for (const auto& f : samples[i]) {
      std::vector<std::uint8_t> b;
      if (auto why = detail::read_file(f, b); !why.empty()) throw error(f + ": " + why);
      bytes[i].push_back(std::move(b));
    }
  tjhandle tj = tjInitDecompress();
  std::vector<std::uint8_t> out;
  std::vector<png_bytep> rows;
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& sample : bytes) {
      for (const auto& b : sample) {
        if (b.size() > 2 && b[0] == 0xFF && b[1] == 0xD8) {
          int w, h, ss, cs;
          if (tjDecompressHeader3(tj, b.data(), static_cast<unsigned long>(b.size()), &w, &h, &ss, &cs) != 0) continue;
          if (out.size() < static_cast<std::size_t>(w) * h * 3) out.resize(static_cast<std::size_t>(w) * h * 3);
          tjDecompress2(tj, b.data(), static_cast<unsigned long>(b.size()), out.data(), w, 0, h, TJPF_RGB, 0);
        } else {
          png_raw(b, out, rows);
        }
      }
    }
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  tjDestroy(tj);
  return static_cast<double>(samples.size()) / best;
}

}  // namespace imgbatch::bench
