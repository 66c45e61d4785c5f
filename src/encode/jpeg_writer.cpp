#include "encode/jpeg_writer.hpp"

#include <imgbatch/error.hpp>

// clang-format off
#include <cstdio>
#include <jpeglib.h>
// clang-format on

#include <cerrno>
#include <csetjmp>
#include <cstring>

namespace imgbatch::detail {
namespace {

struct err_mgr {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void on_error(j_common_ptr c) {
  auto* e = reinterpret_cast<err_mgr*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}

int c_compress(err_mgr* err, std::FILE* f, const image* img, int quality) {
  jpeg_compress_struct cinfo;
  cinfo.err = jpeg_std_error(&err->pub);
  err->pub.error_exit = on_error;
  if (setjmp(err->jump)) {
    jpeg_destroy_compress(&cinfo);
    return 1;
  }
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, f);
  cinfo.image_width = static_cast<JDIMENSION>(img->width);
  cinfo.image_height = static_cast<JDIMENSION>(img->height);
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(img->row(static_cast<int>(cinfo.next_scanline)));
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return 0;
}

}  // namespace

void write_jpeg(const std::string& path, const image& img, int quality) {
  if (img.channels != 3 || img.sample_bytes != 1) throw error(path + ": JPEG writer takes 8-bit RGB");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw error(path + ": cannot write: " + std::strerror(errno));
  err_mgr err{};
  int rc = c_compress(&err, f, &img, quality);
  bool closed = std::fclose(f) == 0;
  if (rc != 0 || !closed) throw error(path + ": JPEG write failed: " + err.message);
}

}  // namespace imgbatch::detail
