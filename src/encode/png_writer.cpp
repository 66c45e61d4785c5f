#include "encode/png_writer.hpp"

#include <imgbatch/error.hpp>

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>

namespace imgbatch::detail {
namespace {

struct write_ctx {
  char message[256];
};

void on_error(png_structp png, png_const_charp msg) {
  auto* ctx = static_cast<write_ctx*>(png_get_error_ptr(png));
  std::snprintf(ctx->message, sizeof ctx->message, "%s", msg);
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}

int c_write(write_ctx* ctx, std::FILE* f, const image* img, const png_color* pal, int npal, png_bytepp rows) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, ctx, on_error, on_warning);
  if (!png) return 1;
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, info ? &info : nullptr);
    return 1;
  }
  png_init_io(png, f);
  png_set_compression_level(png, 3);
  int ct = img->channels == 3 ? PNG_COLOR_TYPE_RGB : (npal ? PNG_COLOR_TYPE_PALETTE : PNG_COLOR_TYPE_GRAY);
  png_set_IHDR(png, info, static_cast<png_uint_32>(img->width), static_cast<png_uint_32>(img->height),
               img->sample_bytes * 8, ct, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (npal) png_set_PLTE(png, info, pal, npal);
  png_write_info(png, info);
  if (img->sample_bytes == 2) {
    const std::uint16_t probe = 1;
    std::uint8_t first;
    std::memcpy(&first, &probe, 1);
    if (first == 1) png_set_swap(png);
  }
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return 0;
}

}  // namespace

void write_png(const std::string& path, const image& img, const std::vector<std::array<std::uint8_t, 3>>& palette) {
  if (img.channels != 1 && img.channels != 3) throw error(path + ": PNG writer takes 1 or 3 channels");
  std::vector<png_color> pal(palette.size());
  for (std::size_t i = 0; i < palette.size(); ++i) pal[i] = {palette[i][0], palette[i][1], palette[i][2]};
  std::vector<png_bytep> rows(static_cast<std::size_t>(img.height));
  for (int y = 0; y < img.height; ++y) rows[static_cast<std::size_t>(y)] = const_cast<png_bytep>(img.row(y));
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw error(path + ": cannot write: " + std::strerror(errno));
  write_ctx ctx{};
  int rc = c_write(&ctx, f, &img, pal.empty() ? nullptr : pal.data(), static_cast<int>(pal.size()), rows.data());
  bool closed = std::fclose(f) == 0;
  if (rc != 0 || !closed) throw error(path + ": PNG write failed: " + ctx.message);
}

}  // namespace imgbatch::detail
