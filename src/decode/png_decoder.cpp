#include "decode/png_decoder.hpp"

#include "util/log.hpp"

#include <png.h>

#include <csetjmp>
#include <cstring>
#include <string>

namespace imgbatch::detail {
namespace {

struct png_ctx {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t pos;
  char message[256];
  int warnings;
  png_structp png;
  png_infop info;
  std::uint64_t chunk_max;  // decode.max_png_chunk_bytes
  bool strict;              // decode.strict: a warning about the file's data is an error
};

void on_error(png_structp png, png_const_charp msg) {
  auto* ctx = static_cast<png_ctx*>(png_get_error_ptr(png));
  std::snprintf(ctx->message, sizeof ctx->message, "%s", msg);
  png_longjmp(png, 1);
}

// Colour-management inconsistencies (an sRGB profile libpng knows to be wrong, a cHRM or gAMA that
// disagrees with it) say nothing about the pixels, which imgbatch reads without colour management.
bool benign_warning(const char* msg) {
  return std::strncmp(msg, "iCCP:", 5) == 0 || std::strstr(msg, "profile") || std::strstr(msg, "does not match");
}

void on_warning(png_structp png, png_const_charp msg) {
  auto* ctx = static_cast<png_ctx*>(png_get_error_ptr(png));
  if (ctx->strict && !benign_warning(msg)) {  // as a JPEG's corrupt-data warning (jpeg_decoder.cpp)
    std::snprintf(ctx->message, sizeof ctx->message, "%s", msg);
    png_longjmp(png, 1);
  }
  if (ctx->warnings++ == 0) std::snprintf(ctx->message, sizeof ctx->message, "%s", msg);
}

void on_read(png_structp png, png_bytep dst, png_size_t n) {
  auto* ctx = static_cast<png_ctx*>(png_get_io_ptr(png));
  if (n > ctx->size - ctx->pos) png_error(png, "file is truncated");
  std::memcpy(dst, ctx->data + ctx->pos, n);
  ctx->pos += n;
}

struct ihdr {
  png_uint_32 width, height;
  int bit_depth, color_type, interlace;
};

int c_create(png_ctx* ctx) {
  ctx->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, ctx, on_error, on_warning);
  if (!ctx->png) {
    std::strcpy(ctx->message, "out of memory");
    return 1;
  }
  ctx->info = png_create_info_struct(ctx->png);
  if (!ctx->info) {
    png_destroy_read_struct(&ctx->png, nullptr, nullptr);
    std::strcpy(ctx->message, "out of memory");
    return 1;
  }
  return 0;
}

// Reads the signature and chunks up to the first IDAT.
int c_read_info(png_ctx* ctx, ihdr* h) {
  if (setjmp(png_jmpbuf(ctx->png))) return 1;
  png_set_read_fn(ctx->png, ctx, on_read);
  // Ancillary chunks and decompressed text beyond this are refused (the huge_* crashers declare 1 GiB);
  // image data is not limited by it (decode.max_pixels is).
  png_set_chunk_malloc_max(ctx->png, static_cast<png_alloc_size_t>(ctx->chunk_max));
  png_read_info(ctx->png, ctx->info);
  png_get_IHDR(ctx->png, ctx->info, &h->width, &h->height, &h->bit_depth, &h->color_type, &h->interlace, nullptr,
               nullptr);
  return 0;
}

// Palette images are read as indices and expanded here (see png_decoder::decode), so rgb8 never sees
// libpng's palette expansion, which would also turn tRNS into an alpha channel.
int c_set_transforms(png_ctx* ctx, const ihdr* h, int rgb8, png_size_t* rowbytes, int* channels) {
  if (setjmp(png_jmpbuf(ctx->png))) return 1;
  png_structp png = ctx->png;
  if (rgb8 && h->color_type == PNG_COLOR_TYPE_PALETTE) {
    if (h->bit_depth < 8) png_set_packing(png);
  } else if (rgb8) {
    if (h->color_type == PNG_COLOR_TYPE_GRAY && h->bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (h->bit_depth == 16) png_set_strip_16(png);
    if (h->color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    if (!(h->color_type & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
  } else {
    if (h->bit_depth < 8) png_set_packing(png);  // one byte per index, values unscaled
    if (h->bit_depth == 16) {
      const std::uint16_t probe = 1;
      std::uint8_t first;
      std::memcpy(&first, &probe, 1);
      if (first == 1) png_set_swap(png);  // little-endian host
    }
    if (h->color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
  }
  png_set_interlace_handling(png);
  png_read_update_info(png, ctx->info);
  *rowbytes = png_get_rowbytes(png, ctx->info);
  *channels = png_get_channels(png, ctx->info);
  return 0;
}

// The PLTE entries, padded to 256 as Pillow does: a missing entry i reads as grey (i, i, i), so an
// index past a short palette gives what Pillow gives and never reads past the table.
int c_palette(png_ctx* ctx, std::uint8_t* table) {
  if (setjmp(png_jmpbuf(ctx->png))) return 1;
  for (int i = 0; i < 256; ++i) table[3 * i] = table[3 * i + 1] = table[3 * i + 2] = static_cast<std::uint8_t>(i);
  png_colorp pal = nullptr;
  int n = 0;
  if (png_get_PLTE(ctx->png, ctx->info, &pal, &n) & PNG_INFO_PLTE)
    for (int i = 0; i < n && i < 256; ++i) {
      table[3 * i] = pal[i].red;
      table[3 * i + 1] = pal[i].green;
      table[3 * i + 2] = pal[i].blue;
    }
  return 0;
}

int c_read_image(png_ctx* ctx, png_bytepp rows) {
  if (setjmp(png_jmpbuf(ctx->png))) return 1;
  png_read_image(ctx->png, rows);
  png_read_end(ctx->png, nullptr);
  return 0;
}

// The first n rows of a non-interlaced image; the rest of the file is not read.
int c_read_rows(png_ctx* ctx, png_bytepp rows, png_uint_32 n) {
  if (setjmp(png_jmpbuf(ctx->png))) return 1;
  png_read_rows(ctx->png, rows, nullptr, n);
  return 0;
}

struct ctx_guard {
  png_ctx* ctx;
  ~ctx_guard() {
    if (ctx->png) png_destroy_read_struct(&ctx->png, &ctx->info, nullptr);
  }
};

const char* color_type_name(int ct) {
  switch (ct) {
    case PNG_COLOR_TYPE_GRAY:
      return "grey";
    case PNG_COLOR_TYPE_GRAY_ALPHA:
      return "grey+alpha";
    case PNG_COLOR_TYPE_PALETTE:
      return "palette";
    case PNG_COLOR_TYPE_RGB:
      return "RGB";
    case PNG_COLOR_TYPE_RGB_ALPHA:
      return "RGBA";
    default:
      return "unknown";
  }
}

}  // namespace

image_header png_decoder::read_header(const std::uint8_t* data, std::size_t size, const decode_options& opt) {
  png_ctx ctx{data, size, 0, {}, 0, nullptr, nullptr, opt.max_png_chunk_bytes, opt.strict};
  if (c_create(&ctx) != 0) throw decode_failure(ctx.message);
  ctx_guard guard{&ctx};
  ihdr h{};
  if (c_read_info(&ctx, &h) != 0) throw decode_failure(ctx.message);
  image_header out;
  out.format = image_format::png;
  out.width = static_cast<int>(h.width);
  out.height = static_cast<int>(h.height);
  return out;
}

void png_decoder::decode(const std::uint8_t* data, std::size_t size, pixel_kind kind, const decode_options& opt,
                         image& out, int max_rows) {
  png_ctx ctx{data, size, 0, {}, 0, nullptr, nullptr, opt.max_png_chunk_bytes, opt.strict};
  if (c_create(&ctx) != 0) throw decode_failure(ctx.message);
  ctx_guard guard{&ctx};
  ihdr h{};
  if (c_read_info(&ctx, &h) != 0) throw decode_failure(ctx.message);
  if (h.width > 0x7fffffffu || h.height > 0x7fffffffu) throw decode_failure("invalid image size");
  check_pixel_limit(static_cast<int>(h.width), static_cast<int>(h.height), opt);
  if (kind == pixel_kind::index && (h.color_type & PNG_COLOR_MASK_COLOR) && h.color_type != PNG_COLOR_TYPE_PALETTE)
    throw decode_failure(std::string("a mask must have one channel (palette indices or grey values); this PNG is ") +
                         color_type_name(h.color_type));
  png_size_t rowbytes = 0;
  int channels = 0;
  const bool rgb8 = kind == pixel_kind::rgb8;
  const bool expand_palette = rgb8 && h.color_type == PNG_COLOR_TYPE_PALETTE;
  if (c_set_transforms(&ctx, &h, rgb8, &rowbytes, &channels) != 0) throw decode_failure(ctx.message);
  if (rgb8 && !expand_palette && channels != 3) throw decode_failure("internal: PNG did not convert to RGB");
  const int bytes = (kind == pixel_kind::index && h.bit_depth == 16) ? 2 : 1;
  image& target = expand_palette ? indices_ : out;
  target.reset(static_cast<int>(h.width), static_cast<int>(h.height), channels, bytes);
  if (rowbytes != target.row_bytes()) throw decode_failure("internal: unexpected PNG row size");
  rows_.resize(h.height);
  for (png_uint_32 y = 0; y < h.height; ++y) rows_[y] = target.row(static_cast<int>(y));
  // Interlaced images need every pass for any row: those are read whole.
  const bool stop_early =
      max_rows >= 0 && static_cast<png_uint_32>(max_rows) < h.height && h.interlace == PNG_INTERLACE_NONE;
  const png_uint_32 rows_read = stop_early ? static_cast<png_uint_32>(max_rows) : h.height;
  if (stop_early) {
    if (c_read_rows(&ctx, rows_.data(), rows_read) != 0) throw decode_failure(ctx.message);
  } else if (c_read_image(&ctx, rows_.data()) != 0) {
    throw decode_failure(ctx.message);
  }
  decoded_pixels_ = static_cast<std::size_t>(rows_read) * h.width;
  if (expand_palette) {
    std::uint8_t table[256 * 3];
    if (c_palette(&ctx, table) != 0) throw decode_failure(ctx.message);
    out.reset(target.width, target.height, 3, 1);
    const std::uint8_t* in = indices_.pixels.data();
    std::uint8_t* o = out.pixels.data();
    for (std::size_t i = 0, n = static_cast<std::size_t>(rows_read) * h.width; i < n; ++i, o += 3)
      std::memcpy(o, table + 3 * in[i], 3);
  }
  if (ctx.warnings) log().debug("PNG decoded with {} warning(s): {}", ctx.warnings, ctx.message);
}

}  // namespace imgbatch::detail
