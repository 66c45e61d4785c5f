// Decodes every .png/.jpg of ../shared/testdata and compares the outcome with EXPECTED_DECODE.tsv:
// "ok" files must decode to the listed size, "error" files must be refused (12-bit JPEGs with their
// reason), files that libjpeg or libpng only warn about ("ok_with_warning": corrupt data, an ancillary
// chunk's CRC, a chunk out of place) must be refused in strict mode and decode in lenient mode.
// Exit 77 (skipped) when the folder is absent.
#include "decode/decoder.hpp"
#include "support/fixtures.hpp"
#include "util/file.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace imgbatch::detail;
namespace fs = std::filesystem;

namespace {

int failures = 0;

void fail(const std::string& what) {
  ++failures;
  std::printf("FAIL %s\n", what.c_str());
}

std::string try_decode(const std::vector<std::uint8_t>& b, pixel_kind kind, const decode_options& opt, image& out) {
  return imgbatch::test::decode_error_of(b, kind, opt, out);
}

// Decoding only a region (decoder.hpp) gives, inside it, the pixels of the full decode `full`: 12
// regions per file, drawn from a fixed sequence (thin, wide, at the edges, the whole), compared byte by
// byte. Returns how many regions were compared.
int check_regions(const std::string& rel, const std::vector<std::uint8_t>& bytes, const decode_options& opt,
                  const image& full, std::uint64_t& rng) {
  auto next = [&](int n) {  // splitmix64, uniform enough for picking sizes
    rng += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = rng;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<int>((z ^ (z >> 31)) % static_cast<std::uint64_t>(n));
  };
  decoder dec;
  image part;
  int compared = 0;
  for (int t = 0; t < 12; ++t) {
    const int W = full.width, H = full.height;
    const int w = t == 0 ? W : 1 + next(W), h = t == 0 ? H : t == 1 ? 1 : 1 + next(H);
    const int x0 = t == 2 ? W - w : next(W - w + 1), y0 = t == 3 ? H - h : next(H - h + 1);
    const pixel_rect r{x0, y0, x0 + w, y0 + h};
    try {
      const image_header hdr = dec.read_header(bytes.data(), bytes.size(), opt);
      dec.decode(bytes.data(), bytes.size(), hdr, pixel_kind::rgb8, opt, part, 1, &r);
    } catch (const std::exception& e) {
      fail(rel + ": region decode failed: " + e.what());
      return compared;
    }
    if (part.width != W || part.height != H) {
      fail(rel + ": region decode changed the size");
      return compared;
    }
    for (int y = r.y0; y < r.y1; ++y)
      if (std::memcmp(part.row(y) + 3 * r.x0, full.row(y) + 3 * r.x0, 3 * static_cast<std::size_t>(w)) != 0) {
        fail(rel + ": region " + std::to_string(x0) + "," + std::to_string(y0) + " " + std::to_string(w) + "x" +
             std::to_string(h) + " differs from the full decode at row " + std::to_string(y));
        return compared;
      }
    ++compared;
  }
  return compared;
}

}  // namespace

int main() {
  const fs::path root = IMGBATCH_TESTDATA_DIR;
  std::ifstream tsv(root / "EXPECTED_DECODE.tsv");
  if (!tsv) {
    std::printf("SKIPPED: %s not found; the conformance data lives in ../shared/testdata beside the checkout\n",
                (root / "EXPECTED_DECODE.tsv").string().c_str());
    return 77;
  }
  struct tally {
    int decoded = 0, rejected = 0;
  };
  std::map<std::string, tally> per_folder;
  std::string line;
  int rows = 0, region_checks = 0, region_files = 0, twelve_bit = 0;
  std::map<std::string, int> refused_strict;
  std::uint64_t region_rng = 12345;
  decode_options strict, lenient;
  lenient.strict = false;
  strict.apply_exif = lenient.apply_exif = false;  // the table lists sizes as stored
  while (std::getline(tsv, line)) {
    if (line.empty() || line[0] == '#' || line.starts_with("path\t")) continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
    if (cols.size() < 4) continue;
    const std::string& rel = cols[0];
    const std::string& result = cols[1];
    const std::string folder = rel.substr(0, rel.find('/'));
    std::vector<std::uint8_t> bytes;
    if (auto why = read_file((root / rel).string(), bytes); !why.empty()) {
      fail(rel + ": cannot read: " + why);
      continue;
    }
    ++rows;
    image out;
    const bool is_png = bytes.size() > 4 && std::memcmp(bytes.data() + 1, "PNG", 3) == 0;
    const std::string err = try_decode(bytes, pixel_kind::rgb8, strict, out);
    if (err.empty()) ++per_folder[folder].decoded;
    else ++per_folder[folder].rejected;
    if (result == "ok") {
      if (!err.empty()) {
        fail(rel + ": expected to decode, got: " + err);
        continue;
      }
      int w = 0, h = 0;
      if (std::sscanf(cols[3].c_str(), "%dx%d", &w, &h) == 2 && (w != out.width || h != out.height))
        fail(rel + ": size " + std::to_string(out.width) + "x" + std::to_string(out.height) + ", expected " +
             cols[3].substr(0, cols[3].find(' ')));
      region_checks += check_regions(rel, bytes, strict, out, region_rng);
      ++region_files;
    } else if (result == "ok_with_warning") {
      if (err.empty()) fail(rel + ": a file libjpeg or libpng warns about must be refused in strict mode");
      else ++refused_strict[is_png ? "png" : "jpeg"];
      // A PNG is refused for the warning the table lists (its first, after "W:").
      if (const auto w = cols[3].find("W:"); is_png && w != std::string::npos && err != cols[3].substr(w + 2))
        fail(rel + ": refused for '" + err + "', the table's warning is '" + cols[3].substr(w + 2) + "'");
      image l;
      const std::string e = try_decode(bytes, pixel_kind::rgb8, lenient, l);
      int comps = 3;
      if (auto at = cols[3].find("comps="); at != std::string::npos) comps = std::atoi(cols[3].c_str() + at + 6);
      if (comps == 1 || comps == 3 || comps == 4) {
        if (!e.empty()) fail(rel + ": lenient mode must decode it, got: " + e);
      } else if (e.find("colour components in no known colour space") == std::string::npos) {
        fail(rel + ": " + std::to_string(comps) + " components cannot become RGB; expected that reason, got: '" + e +
             "'");
      }
    } else if (result == "error") {
      if (err.empty()) fail(rel + ": expected an error (" + cols[3] + "), but it decoded");
      // 12-bit JPEGs are refused with libjpeg's reason, cleanly, not as corrupt data.
      if (cols[2].find(" P=12 ") != std::string::npos) {
        ++twelve_bit;
        if (err != "Unsupported JPEG data precision 12") fail(rel + ": a 12-bit JPEG: got '" + err + "'");
      }
    }
  }
  for (const auto& [folder, t] : per_folder)
    std::printf("%-34s %4d decoded, %3d rejected\n", folder.c_str(), t.decoded, t.rejected);

  // PngSuite: 161 decode, 14 (the x* files) are refused.
  if (per_folder["pngsuite"].decoded != 161 || per_folder["pngsuite"].rejected != 14)
    fail("PngSuite: expected 161 decoded and 14 rejected");

  // Palette masks keep their indices: labelme's VOC masks hold {0, 5, 15, 255}.
  {
    std::vector<std::uint8_t> b;
    read_file((root / "labelme_gpl3/instance_segmentation/data_dataset_voc/SegmentationClass/2011_000003.png").string(),
              b);
    image m;
    decode_options opt;
    if (b.empty()) {
      std::printf("note: labelme mask absent, palette check skipped\n");
    } else if (auto e = try_decode(b, pixel_kind::index, opt, m); !e.empty()) {
      fail("labelme mask: " + e);
    } else {
      std::set<int> values(m.pixels.begin(), m.pixels.end());
      if (values != std::set<int>{0, 5, 15, 255}) fail("labelme mask 2011_000003: palette indices not kept");
    }
  }
  // 16-bit depth stays 16-bit: Open3D's depth in millimetres spans 955..2702 with zeros for holes.
  {
    std::vector<std::uint8_t> b;
    read_file((root / "open3d_rgbd_depth/depth/00000.png").string(), b);
    image d;
    if (!b.empty()) {
      if (auto e = try_decode(b, pixel_kind::index, {}, d); !e.empty()) {
        fail("open3d depth: " + e);
      } else {
        int lo = 65535, hi = 0, zeros = 0;
        for (std::size_t i = 0; i < d.pixel_count(); ++i) {
          std::uint16_t v;
          std::memcpy(&v, d.pixels.data() + 2 * i, 2);
          if (v == 0) {
            ++zeros;
            continue;
          }
          lo = std::min<int>(lo, v);
          hi = std::max<int>(hi, v);
        }
        if (d.sample_bytes != 2 || lo != 955 || hi != 2702 || zeros == 0)
          fail("open3d depth: 16-bit values not kept (min " + std::to_string(lo) + ", max " + std::to_string(hi) + ")");
      }
    }
  }
  // The progressive scan limit.
  {
    std::vector<std::uint8_t> b;
    read_file((root / "libjpeg-turbo/testimgp.jpg").string(), b);
    decode_options few;
    few.max_scans = 2;
    image out;
    const std::string e = try_decode(b, pixel_kind::rgb8, few, out);
    if (e != "progressive JPEG has more than 2 scans (decode.max_scans)") fail("scan limit: got '" + e + "'");
  }
  std::printf("%d files compared with EXPECTED_DECODE.tsv\n", rows);
  // The table's counts (445 ok, 24 warned about: 21 JPEG and 3 PNG, 122 errors, 2 of them 12-bit).
  if (rows != 591) fail("expected 591 files in EXPECTED_DECODE.tsv, compared " + std::to_string(rows));
  if (refused_strict["jpeg"] != 21 || refused_strict["png"] != 3)
    fail("expected 21 JPEGs and 3 PNGs refused in strict mode for their warnings, got " +
         std::to_string(refused_strict["jpeg"]) + " and " + std::to_string(refused_strict["png"]));
  if (twelve_bit != 2) fail("expected 2 12-bit JPEGs, got " + std::to_string(twelve_bit));
  // Every JPEG and PNG that decodes was decoded again for 12 regions each.
  std::printf("%d region decodes equal to the full decode\n", region_checks);
  if (region_files < 400 || region_checks != 12 * region_files)
    fail("expected 12 region decodes of each of the 400+ decodable files, got " + std::to_string(region_checks) +
         " of " + std::to_string(region_files));
  std::printf("%d passed, %d failed\n", failures == 0 ? 1 : 0, failures == 0 ? 0 : 1);
  return failures == 0 ? 0 : 1;
}
