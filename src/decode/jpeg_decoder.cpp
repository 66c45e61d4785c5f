#include "decode/jpeg_decoder.hpp"

#include "decode/exif.hpp"
#include "util/log.hpp"

// clang-format off
#include <cstdio>
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include <algorithm>
#include <csetjmp>
#include <cstring>
#include <vector>

namespace imgbatch::detail {

// Everything libjpeg touches lives here; longjmp only ever unwinds libjpeg's C frames back into the
// small functions below, whose locals are all trivially destructible.
struct jpeg_decoder::context {
  jpeg_decompress_struct cinfo{};
  struct error_mgr {
    jpeg_error_mgr pub;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    bool strict;
    int warnings;
  } err{};
  jpeg_progress_mgr progress{};
  int max_scans = 500;
  bool open = false;
  std::vector<JSAMPROW> rows;  // one pointer per output row: libjpeg gets them all in one call
};

namespace {

using context = jpeg_decoder::context;

context* ctx_of(j_common_ptr c) {
  return reinterpret_cast<context*>(reinterpret_cast<char*>(c) - offsetof(context, cinfo));
}

[[noreturn]] void on_error(j_common_ptr c) {
  auto* err = reinterpret_cast<context::error_mgr*>(c->err);
  (*c->err->format_message)(c, err->message);
  std::longjmp(err->jump, 1);
}

bool benign_warning(int code) {
  // Unknown JFIF revision and a bad ICC chunk say nothing about the pixels.
  return code == JWRN_JFIF_MAJOR || code == JWRN_BOGUS_ICC || code == JWRN_ADOBE_XFORM;
}

void on_message(j_common_ptr c, int level) {
  if (level >= 0) return;  // trace output
  auto* err = reinterpret_cast<context::error_mgr*>(c->err);
  ++err->warnings;
  if (err->strict && !benign_warning(c->err->msg_code)) {
    (*c->err->format_message)(c, err->message);
    std::longjmp(err->jump, 1);
  }
  if (err->warnings == 1) {
    char text[JMSG_LENGTH_MAX];
    (*c->err->format_message)(c, text);
    std::strcpy(err->message, text);
  }
}

void on_progress(j_common_ptr c) {
  context* ctx = ctx_of(c);
  auto* d = reinterpret_cast<j_decompress_ptr>(c);
  if (d->input_scan_number > ctx->max_scans) {
    std::snprintf(ctx->err.message, sizeof ctx->err.message,
                  "progressive JPEG has more than %d scans (decode.max_scans)", ctx->max_scans);
    std::longjmp(ctx->err.jump, 1);
  }
}

// Creates the decompressor under its own error frame: libjpeg reports a failed allocation of its memory
// manager through error_exit, which must not jump to a frame that does not exist. 0 on success.
int c_create(context* ctx) {
  if (setjmp(ctx->err.jump)) return 1;
  jpeg_create_decompress(&ctx->cinfo);
  return 0;
}

// Returns 0 on success, else the message is in ctx->err.message.
int c_read_header(context* ctx, const std::uint8_t* data, std::size_t size, int* orientation) {
  if (setjmp(ctx->err.jump)) {
    jpeg_abort_decompress(&ctx->cinfo);
    return 1;
  }
  jpeg_mem_src(&ctx->cinfo, data, static_cast<unsigned long>(size));
  jpeg_save_markers(&ctx->cinfo, JPEG_APP0 + 1, 0xFFFF);
  if (jpeg_read_header(&ctx->cinfo, FALSE) != JPEG_HEADER_OK) {
    std::strcpy(ctx->err.message, "no image in JPEG stream (tables only)");
    jpeg_abort_decompress(&ctx->cinfo);
    return 1;
  }
  *orientation = 1;
  for (jpeg_saved_marker_ptr m = ctx->cinfo.marker_list; m; m = m->next) {
    if (m->marker == JPEG_APP0 + 1) {
      int o = exif_orientation(m->data, m->data_length);
      if (o != 1 || *orientation == 1) *orientation = o;
      if (o != 1) break;
    }
  }
  return 0;
}

int c_start(context* ctx, J_COLOR_SPACE out_space, unsigned denominator) {
  if (setjmp(ctx->err.jump)) {
    jpeg_abort_decompress(&ctx->cinfo);
    return 1;
  }
  ctx->cinfo.out_color_space = out_space;
  ctx->cinfo.scale_num = 1;
  ctx->cinfo.scale_denom = denominator;
  ctx->cinfo.dct_method = JDCT_ISLOW;
  ctx->cinfo.do_fancy_upsampling = TRUE;
  jpeg_start_decompress(&ctx->cinfo);
  return 0;
}

// Reads output rows [first, end) into rows[first..end) (all in one call where libjpeg allows, which is
// faster than a few at a time), then finishes the file when `finish`, else abandons the rest of it.
int c_read_rows(context* ctx, JSAMPROW* rows, JDIMENSION end, bool finish) {
  if (setjmp(ctx->err.jump)) {
    jpeg_abort_decompress(&ctx->cinfo);
    return 1;
  }
  while (ctx->cinfo.output_scanline < end)
    jpeg_read_scanlines(&ctx->cinfo, rows + ctx->cinfo.output_scanline, end - ctx->cinfo.output_scanline);
  if (finish) jpeg_finish_decompress(&ctx->cinfo);
  else jpeg_abort_decompress(&ctx->cinfo);
  return 0;
}

// Region: columns [*x0, *x0 + *w) (widened by libjpeg to iMCU boundaries, written back) and rows
// [y0, ...) from here on; rows above y0 are skipped.
int c_start_region(context* ctx, JDIMENSION* x0, JDIMENSION* w, JDIMENSION y0) {
  if (setjmp(ctx->err.jump)) {
    jpeg_abort_decompress(&ctx->cinfo);
    return 1;
  }
  if (*x0 > 0 || *w < ctx->cinfo.output_width) jpeg_crop_scanline(&ctx->cinfo, x0, w);
  if (y0 > 0) jpeg_skip_scanlines(&ctx->cinfo, y0);
  return 0;
}

// CMYK path: one row at a time through a 4-channel scratch row.
int c_read_row(context* ctx, std::uint8_t* row) {
  if (setjmp(ctx->err.jump)) {
    jpeg_abort_decompress(&ctx->cinfo);
    return 1;
  }
  JSAMPROW r = row;
  jpeg_read_scanlines(&ctx->cinfo, &r, 1);
  return 0;
}

int c_finish(context* ctx) {
  if (setjmp(ctx->err.jump)) {
    jpeg_abort_decompress(&ctx->cinfo);
    return 1;
  }
  jpeg_finish_decompress(&ctx->cinfo);
  return 0;
}

// Pillow's cmyk2rgb on true CMYK (Adobe files store it inverted).
inline std::uint8_t muldiv255(int a, int b) {
  int tmp = a * b + 128;
  return static_cast<std::uint8_t>(((tmp >> 8) + tmp) >> 8);
}

}  // namespace

jpeg_decoder::jpeg_decoder() : ctx_(std::make_unique<context>()) {
  ctx_->cinfo.err = jpeg_std_error(&ctx_->err.pub);
  ctx_->err.pub.error_exit = on_error;
  ctx_->err.pub.emit_message = on_message;
  if (c_create(ctx_.get()) != 0)
    throw decode_failure(std::string("cannot create a JPEG decoder: ") + ctx_->err.message);
  ctx_->progress.progress_monitor = on_progress;
  ctx_->cinfo.progress = &ctx_->progress;
}

jpeg_decoder::~jpeg_decoder() { jpeg_destroy_decompress(&ctx_->cinfo); }

image_header jpeg_decoder::read_header(const std::uint8_t* data, std::size_t size, const decode_options& opt) {
  if (ctx_->open) jpeg_abort_decompress(&ctx_->cinfo);
  ctx_->open = false;
  ctx_->err.strict = opt.strict;
  ctx_->err.warnings = 0;
  ctx_->err.message[0] = 0;
  ctx_->max_scans = opt.max_scans > 0 ? opt.max_scans : 1 << 30;
  image_header h;
  h.format = image_format::jpeg;
  if (c_read_header(ctx_.get(), data, size, &h.orientation) != 0) throw decode_failure(ctx_->err.message);
  h.width = static_cast<int>(ctx_->cinfo.image_width);
  h.height = static_cast<int>(ctx_->cinfo.image_height);
  if (!opt.apply_exif) h.orientation = 1;
  ctx_->open = true;
  return h;
}

void jpeg_decoder::point_rows(image& out, std::size_t offset) {
  ctx_->rows.resize(static_cast<std::size_t>(out.height));
  for (int y = 0; y < out.height; ++y) ctx_->rows[static_cast<std::size_t>(y)] = out.row(y) + offset;
}

void jpeg_decoder::decode_rgb(image& out, const decode_options& opt, int denominator, const pixel_rect* region) {
  if (!ctx_->open) throw decode_failure("internal: decode without header");
  ctx_->open = false;
  auto& cinfo = ctx_->cinfo;
  try {
    check_pixel_limit(static_cast<int>(cinfo.image_width), static_cast<int>(cinfo.image_height), opt);
  } catch (...) {
    jpeg_abort_decompress(&cinfo);
    throw;
  }
  const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  if (!cmyk && cinfo.num_components != 1 && cinfo.num_components != 3) {
    const int n = cinfo.num_components;
    jpeg_abort_decompress(&cinfo);
    throw decode_failure(
        "JPEG has " + std::to_string(n) +
        " colour components in no known colour space; only grey, YCbCr, RGB, CMYK and YCCK become RGB");
  }
  if (c_start(ctx_.get(), cmyk ? JCS_CMYK : JCS_RGB, static_cast<unsigned>(denominator)) != 0)
    throw decode_failure(ctx_->err.message);
  const int w = static_cast<int>(cinfo.output_width), h = static_cast<int>(cinfo.output_height);
  out.reset(w, h, 3, 1);
  decoded_pixels_ = out.pixel_count();
  if (!cmyk && region && denominator == 1 && (region->x0 > 0 || region->y0 > 0 || region->x1 < w || region->y1 < h)) {
    const int margin = 2 * cinfo.max_h_samp_factor * cinfo.min_DCT_scaled_size;
    auto x0 = static_cast<JDIMENSION>(std::max(region->x0 - margin, 0));
    auto cw = static_cast<JDIMENSION>(std::min(region->x1 + margin, w)) - x0;
    if (c_start_region(ctx_.get(), &x0, &cw, static_cast<JDIMENSION>(region->y0)) != 0)
      throw decode_failure(ctx_->err.message);
    point_rows(out, 3 * static_cast<std::size_t>(x0));
    if (c_read_rows(ctx_.get(), ctx_->rows.data(), static_cast<JDIMENSION>(region->y1), false) != 0)
      throw decode_failure(ctx_->err.message);
    decoded_pixels_ = static_cast<std::size_t>(cw) * static_cast<std::size_t>(region->y1 - region->y0);
  } else if (!cmyk) {
    point_rows(out, 0);
    if (c_read_rows(ctx_.get(), ctx_->rows.data(), static_cast<JDIMENSION>(h), true) != 0)
      throw decode_failure(ctx_->err.message);
  } else {
    cmyk_row_.resize(static_cast<std::size_t>(w) * 4);
    const bool inverted = cinfo.saw_Adobe_marker;
    for (int y = 0; y < h; ++y) {
      if (c_read_row(ctx_.get(), cmyk_row_.data()) != 0) throw decode_failure(ctx_->err.message);
      std::uint8_t* dst = out.row(y);
      const std::uint8_t* s = cmyk_row_.data();
      for (int x = 0; x < w; ++x, s += 4, dst += 3) {
        int c = inverted ? 255 - s[0] : s[0], m = inverted ? 255 - s[1] : s[1];
        int yy = inverted ? 255 - s[2] : s[2], k = inverted ? 255 - s[3] : s[3];
        int nk = 255 - k;
        dst[0] = static_cast<std::uint8_t>(nk - muldiv255(c, nk));
        dst[1] = static_cast<std::uint8_t>(nk - muldiv255(m, nk));
        dst[2] = static_cast<std::uint8_t>(nk - muldiv255(yy, nk));
      }
    }
    if (c_finish(ctx_.get()) != 0) throw decode_failure(ctx_->err.message);
  }
  if (ctx_->err.warnings > 0) log().debug("JPEG decoded with {} warning(s): {}", ctx_->err.warnings, ctx_->err.message);
}

}  // namespace imgbatch::detail
