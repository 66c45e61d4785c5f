#include "decode/decoder.hpp"
#include "decode/exif.hpp"
#include "decode/orientation.hpp"
#include "encode/jpeg_writer.hpp"
#include "encode/png_writer.hpp"
#include "support/fixtures.hpp"
#include "util/file.hpp"

#include <doctest/doctest.h>
#include <png.h>

#include <zlib.h>

#include <cstring>

using namespace imgbatch;
using namespace imgbatch::detail;

namespace {

std::vector<std::uint8_t> bytes_of(const std::filesystem::path& p) {
  std::vector<std::uint8_t> b;
  REQUIRE(read_file(p.string(), b).empty());
  return b;
}

std::string decode_error(const std::vector<std::uint8_t>& b, pixel_kind kind, decode_options opt = {}) {
  image out;
  return test::decode_error_of(b, kind, opt, out);
}

// A 16-bit grey PNG written with libpng directly (our writer's 16-bit path is what is under test elsewhere).
void write_grey16(const std::string& path, int w, int h, const std::vector<std::uint16_t>& v) {
  image im;
  im.reset(w, h, 1, 2);
  std::memcpy(im.pixels.data(), v.data(), v.size() * 2);
  write_png(path, im);
}

// Inserts an APP1 Exif segment with the given orientation right after SOI.
std::vector<std::uint8_t> with_orientation(const std::vector<std::uint8_t>& jpeg, int orientation, bool big_endian) {
  std::vector<std::uint8_t> tiff;
  auto u16 = [&](unsigned v) {
    if (big_endian) {
      tiff.push_back(std::uint8_t(v >> 8));
      tiff.push_back(std::uint8_t(v));
    } else {
      tiff.push_back(std::uint8_t(v));
      tiff.push_back(std::uint8_t(v >> 8));
    }
  };
  auto u32 = [&](unsigned v) {
    if (big_endian) {
      u16(v >> 16);
      u16(v & 0xffff);
    } else {
      u16(v & 0xffff);
      u16(v >> 16);
    }
  };
  tiff.push_back(big_endian ? 'M' : 'I');
  tiff.push_back(big_endian ? 'M' : 'I');
  u16(42);
  u32(8);
  u16(1);  // one entry
  u16(0x0112);
  u16(3);
  u32(1);  // Orientation, SHORT, count 1
  u16(static_cast<unsigned>(orientation));
  u16(0);
  u32(0);
  std::vector<std::uint8_t> app1 = {'E', 'x', 'i', 'f', 0, 0};
  app1.insert(app1.end(), tiff.begin(), tiff.end());
  std::vector<std::uint8_t> out = {0xFF, 0xD8, 0xFF, 0xE1};
  const std::size_t len = app1.size() + 2;
  out.push_back(std::uint8_t(len >> 8));
  out.push_back(std::uint8_t(len));
  out.insert(out.end(), app1.begin(), app1.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

}  // namespace

TEST_CASE("decode: PNG RGB round trip is lossless and the format comes from magic bytes") {
  test::temp_dir dir;
  auto src = test::make_image(7, 5, 3, [](int x, int y, int c) { return x * 30 + y * 7 + c; });
  write_png((dir / "a.jpg").string(), src);  // a PNG named .jpg
  auto b = bytes_of(dir / "a.jpg");
  decoder d;
  image out;
  image_header h = d.decode(b.data(), b.size(), pixel_kind::rgb8, {}, out);
  CHECK(h.format == image_format::png);
  CHECK(out.width == 7);
  CHECK(out.height == 5);
  CHECK(out.channels == 3);
  CHECK(out.pixels == src.pixels);
}

TEST_CASE("decode: grey PNG becomes RGB by replication") {
  test::temp_dir dir;
  auto src = test::make_image(4, 3, 1, [](int x, int y, int) { return 10 * x + 50 * y; });
  write_png((dir / "g.png").string(), src);
  auto b = bytes_of(dir / "g.png");
  decoder d;
  image out;
  d.decode(b.data(), b.size(), pixel_kind::rgb8, {}, out);
  REQUIRE(out.channels == 3);
  CHECK(out.row(2)[3 * 3 + 0] == 130);
  CHECK(out.row(2)[3 * 3 + 1] == 130);
  CHECK(out.row(2)[3 * 3 + 2] == 130);
}

TEST_CASE("decode: palette PNG keeps indices as a mask and expands to colours as an image") {
  test::temp_dir dir;
  std::vector<std::array<std::uint8_t, 3>> pal(256);
  for (int i = 0; i < 256; ++i) pal[static_cast<std::size_t>(i)] = {std::uint8_t(255 - i), std::uint8_t(i), 7};
  auto idx = test::make_image(3, 2, 1, [](int x, int y, int) { return y == 1 && x == 2 ? 255 : x + 3 * y; });
  write_png((dir / "p.png").string(), idx, pal);
  auto b = bytes_of(dir / "p.png");
  decoder d;
  image mask, rgb;
  d.decode(b.data(), b.size(), pixel_kind::index, {}, mask);
  CHECK(mask.channels == 1);
  CHECK(mask.pixels == std::vector<std::uint8_t>{0, 1, 2, 3, 4, 255});
  d.decode(b.data(), b.size(), pixel_kind::rgb8, {}, rgb);
  CHECK(rgb.row(0)[3] == 254);  // index 1 -> (254, 1, 7)
  CHECK(rgb.row(0)[4] == 1);
  CHECK(rgb.row(0)[5] == 7);
}

TEST_CASE("decode: 16-bit grey stays 16-bit as a mask and keeps the high byte as an image") {
  test::temp_dir dir;
  write_grey16((dir / "d.png").string(), 2, 1, {40000, 258});
  auto b = bytes_of(dir / "d.png");
  decoder d;
  image depth, rgb;
  d.decode(b.data(), b.size(), pixel_kind::index, {}, depth);
  REQUIRE(depth.sample_bytes == 2);
  std::uint16_t v[2];
  std::memcpy(v, depth.pixels.data(), 4);
  CHECK(v[0] == 40000);
  CHECK(v[1] == 258);
  d.decode(b.data(), b.size(), pixel_kind::rgb8, {}, rgb);
  CHECK(rgb.pixels[0] == 40000 >> 8);
  CHECK(rgb.pixels[3] == 1);
}

TEST_CASE("decode: an RGB PNG is refused as a mask") {
  test::temp_dir dir;
  write_png((dir / "m.png").string(), test::make_image(2, 2, 3, [](int, int, int) { return 1; }));
  CHECK(decode_error(bytes_of(dir / "m.png"), pixel_kind::index).find("a mask must have one channel") !=
        std::string::npos);
}

TEST_CASE("decode: JPEG decodes close to its source, grey content stays grey") {
  test::temp_dir dir;
  auto src = test::make_image(64, 48, 3, [](int x, int y, int c) {
    return c == 0 ? 2 * x + 40 : c == 1 ? 3 * y + 20 : 128;
  });
  write_jpeg((dir / "a.png").string(), src, 95);  // a JPEG named .png
  auto b = bytes_of(dir / "a.png");
  decoder d;
  image out;
  image_header h = d.decode(b.data(), b.size(), pixel_kind::rgb8, {}, out);
  CHECK(h.format == image_format::jpeg);
  REQUIRE(out.width == 64);
  REQUIRE(out.height == 48);
  int worst = 0;
  for (std::size_t i = 0; i < out.pixels.size(); ++i) worst = std::max(worst, std::abs(out.pixels[i] - src.pixels[i]));
  CHECK(worst <= 6);
}

TEST_CASE("decode: corrupt data is an error that says why, not-an-image names its format but never its bytes") {
  test::temp_dir dir;
  auto src = test::make_image(64, 64, 3, [](int x, int y, int c) { return (x * y + c * 50) % 256; });
  write_jpeg((dir / "a.jpg").string(), src, 90);
  auto b = bytes_of(dir / "a.jpg");
  std::vector<std::uint8_t> cut(b.begin(), b.begin() + static_cast<long>(b.size() / 2));
  CHECK(decode_error(cut, pixel_kind::rgb8).find("Premature end of JPEG file") != std::string::npos);
  decode_options lenient;
  lenient.strict = false;
  CHECK(decode_error(cut, pixel_kind::rgb8, lenient).empty());

  write_png((dir / "p.png").string(), src);
  auto p = bytes_of(dir / "p.png");
  std::vector<std::uint8_t> pcut(p.begin(), p.begin() + static_cast<long>(p.size() - 20));
  CHECK(decode_error(pcut, pixel_kind::rgb8).find("truncated") != std::string::npos);

  std::vector<std::uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0};
  CHECK(decode_error(gif, pixel_kind::rgb8) == "a GIF file, not a JPEG, PNG or WebP");
  const std::string webp = std::string("RIFF\x10\0\0\0WEBPVP8 ", 16);
  CHECK(decode_error({webp.begin(), webp.end()}, pixel_kind::rgb8) == "truncated WebP data");  // libwebp's
  // A text file (a path that led to /etc/passwd): its content never reaches the message.
  const std::string passwd = "root:x:0:0:root:/root:/bin/bash\n";
  CHECK(decode_error({passwd.begin(), passwd.end()}, pixel_kind::rgb8) ==
        "not a JPEG, PNG or WebP file (an unknown format)");
  CHECK(decode_error({}, pixel_kind::rgb8) == "empty file");
}

TEST_CASE("decode: a declared size above the pixel limit is refused before allocation") {
  test::temp_dir dir;
  write_png((dir / "big.png").string(), test::make_image(100, 100, 3, [](int, int, int) { return 0; }));
  write_jpeg((dir / "big.jpg").string(), test::make_image(100, 100, 3, [](int, int, int) { return 0; }), 80);
  decode_options opt;
  opt.max_pixels = 5000;
  const std::string want = "image is 100x100 = 10000 pixels, above the limit of 5000 (decode.max_pixels)";
  CHECK(decode_error(bytes_of(dir / "big.png"), pixel_kind::rgb8, opt) == want);
  CHECK(decode_error(bytes_of(dir / "big.jpg"), pixel_kind::rgb8, opt) == want);
}

// `png` with a chunk of `type` holding `data` after IHDR; its CRC (computed with zlib, as libpng checks it)
// wrong when `bad_crc`.
std::vector<std::uint8_t> with_chunk(const std::vector<std::uint8_t>& png, const char* type,
                                     const std::vector<std::uint8_t>& data, bool bad_crc) {
  std::vector<std::uint8_t> chunk;
  const auto len = static_cast<std::uint32_t>(data.size());
  for (int shift : {24, 16, 8, 0}) chunk.push_back(static_cast<std::uint8_t>(len >> shift));
  for (int i = 0; i < 4; ++i) chunk.push_back(static_cast<std::uint8_t>(type[i]));
  for (std::uint8_t v : data) chunk.push_back(v);
  auto crc = static_cast<std::uint32_t>(crc32(crc32(0, nullptr, 0), &chunk[4], static_cast<uInt>(4 + data.size())));
  if (bad_crc) crc ^= 1;
  for (int shift : {24, 16, 8, 0}) chunk.push_back(static_cast<std::uint8_t>(crc >> shift));
  std::vector<std::uint8_t> out;  // byte by byte: GCC 12 misreads inserts here (-Warray-bounds)
  out.reserve(png.size() + chunk.size());
  for (std::size_t i = 0; i < 33; ++i) out.push_back(png[i]);
  for (std::uint8_t v : chunk) out.push_back(v);
  for (std::size_t i = 33; i < png.size(); ++i) out.push_back(png[i]);
  return out;
}

// `png` with a tEXt chunk of `n` bytes (n >= 8) after IHDR.
std::vector<std::uint8_t> with_text_chunk(const std::vector<std::uint8_t>& png, std::size_t n) {
  std::vector<std::uint8_t> text(n, 'x');
  std::memcpy(text.data(), "Comment", 8);  // keyword, NUL, then text
  return with_chunk(png, "tEXt", text, false);
}

TEST_CASE("decode: a PNG chunk above decode.max_png_chunk_bytes is refused, below it decodes") {
  test::temp_dir dir;
  write_png((dir / "a.png").string(), test::make_image(8, 8, 3, [](int x, int, int c) { return x * 20 + c; }));
  const auto png = with_text_chunk(bytes_of(dir / "a.png"), 50'000);
  decode_options opt;
  CHECK(decode_error(png, pixel_kind::rgb8, opt).empty());  // the default, 8,000,000
  opt.max_png_chunk_bytes = 10'000;
  const std::string why = decode_error(png, pixel_kind::rgb8, opt);
  CHECK_MESSAGE(why.find("chunk data is too large") != std::string::npos, why);
}

TEST_CASE("decode: under strict, a PNG warning about the data is an error, one about a colour profile is not") {
  test::temp_dir dir;
  write_png((dir / "a.png").string(), test::make_image(8, 8, 3, [](int x, int, int c) { return x * 20 + c; }));
  const auto png = bytes_of(dir / "a.png");
  decode_options strict, lenient;
  lenient.strict = false;
  // An ancillary chunk with a wrong CRC: libpng warns and skips it.
  const std::vector<std::uint8_t> text = {'C', 'o', 'm', 'm', 'e', 'n', 't', 0, 'h', 'i'};
  const auto bad_text = with_chunk(png, "tEXt", text, true);
  CHECK(decode_error(bad_text, pixel_kind::rgb8, strict) == "tEXt: CRC error");
  CHECK(decode_error(bad_text, pixel_kind::rgb8, lenient).empty());
  CHECK(decode_error(with_chunk(png, "tEXt", text, false), pixel_kind::rgb8, strict).empty());
  // An ICC profile too short to be one: libpng warns ("iCCP: ...") and ignores the profile, and so does
  // imgbatch, which does no colour management.
  std::vector<std::uint8_t> icc = {'x', 0, 0};  // name, NUL, compression method 0, then zlib data
  const std::string profile(20, 'p');
  std::vector<std::uint8_t> z(compressBound(profile.size()));
  uLongf zn = z.size();
  REQUIRE(compress(z.data(), &zn, reinterpret_cast<const Bytef*>(profile.data()), profile.size()) == Z_OK);
  icc.insert(icc.end(), z.begin(), z.begin() + static_cast<std::ptrdiff_t>(zn));
  CHECK(decode_error(with_chunk(png, "iCCP", icc, false), pixel_kind::rgb8, strict).empty());
}

TEST_CASE("read_file: a file above the byte limit is refused before it is read") {
  test::temp_dir dir;
  const std::vector<std::uint8_t> data(5000, 7);
  write_file((dir / "f.bin").string(), data.data(), data.size());
  std::vector<std::uint8_t> out;
  CHECK(read_file((dir / "f.bin").string(), out, nullptr, 4999) ==
        "file is 5000 bytes, above the limit of 4999 (decode.max_file_bytes)");
  CHECK(out.capacity() == 0);  // nothing allocated
  CHECK(read_file((dir / "f.bin").string(), out, nullptr, 5000).empty());
  CHECK(out == data);
}

TEST_CASE("exif: orientation tag in either byte order, damaged blocks read as 1") {
  auto app1 = [](bool be, int o) {
    auto j = with_orientation({0xFF, 0xD8, 0xFF, 0xD9}, o, be);
    return std::vector<std::uint8_t>(j.begin() + 6, j.end() - 2);  // payload after FFE1+length
  };
  for (int o = 1; o <= 8; ++o) {
    auto le = app1(false, o), be = app1(true, o);
    CHECK(exif_orientation(le.data(), le.size()) == o);
    CHECK(exif_orientation(be.data(), be.size()) == o);
  }
  auto bad = app1(false, 9);
  CHECK(exif_orientation(bad.data(), bad.size()) == 1);
  auto cut = app1(true, 6);
  CHECK(exif_orientation(cut.data(), 14) == 1);
  CHECK(exif_orientation(nullptr, 0) == 1);
}

TEST_CASE("orientation: all eight EXIF orientations map pixels as Pillow's exif_transpose") {
  // 3 wide, 2 high: values 0..5 row-major.
  image src = test::make_image(3, 2, 1, [](int x, int y, int) { return x + 3 * y; });
  const std::vector<std::vector<std::uint8_t>> expect = {
      {0, 1, 2, 3, 4, 5},  // 1
      {2, 1, 0, 5, 4, 3},  // 2 mirror
      {5, 4, 3, 2, 1, 0},  // 3 rotate 180
      {3, 4, 5, 0, 1, 2},  // 4 flip vertical
      {0, 3, 1, 4, 2, 5},  // 5 transpose (2 wide, 3 high)
      {3, 0, 4, 1, 5, 2},  // 6 rotate 90 clockwise
      {5, 2, 4, 1, 3, 0},  // 7 transverse
      {2, 5, 1, 4, 0, 3},  // 8 rotate 90 counter-clockwise
  };
  for (int o = 1; o <= 8; ++o) {
    image out;
    apply_orientation(src, o, out);
    CAPTURE(o);
    CHECK(out.width == (o >= 5 ? 2 : 3));
    CHECK(out.pixels == expect[static_cast<std::size_t>(o - 1)]);
  }
}

TEST_CASE("decode: EXIF orientation is applied to JPEGs unless told to ignore it") {
  test::temp_dir dir;
  // Left half dark, right half bright: after a 90-degree clockwise turn the top is dark, the bottom bright.
  auto src = test::make_image(64, 32, 3, [](int x, int, int) { return x < 32 ? 20 : 230; });
  write_jpeg((dir / "a.jpg").string(), src, 95);
  auto rotated = with_orientation(bytes_of(dir / "a.jpg"), 6, true);
  decoder d;
  image out;
  image_header h = d.decode(rotated.data(), rotated.size(), pixel_kind::rgb8, {}, out);
  CHECK(h.orientation == 6);
  REQUIRE(out.width == 32);
  REQUIRE(out.height == 64);
  CHECK(out.row(5)[3 * 16] < 40);
  CHECK(out.row(58)[3 * 16] > 210);
  decode_options ignore;
  ignore.apply_exif = false;
  h = d.decode(rotated.data(), rotated.size(), pixel_kind::rgb8, ignore, out);
  CHECK(h.orientation == 1);
  CHECK(out.width == 64);
}
