#include "sampler/cursor_hash.hpp"

#include "source/sample_source.hpp"

#include <cstring>
#include <string_view>

namespace imgbatch::detail {
namespace {

// FNV-1a over bytes, 64-bit: stable across platforms and runs (std::hash is neither).
class hasher {
 public:
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h_ = (h_ ^ b[i]) * 0x100000001b3ull;
  }
  void text(std::string_view s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  void u64(std::uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    bytes(b, 8);
  }
  void f64(double v) {
    std::uint64_t u;
    std::memcpy(&u, &v, 8);
    u64(u);
  }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ull;
};

// A role's number in the hash, fixed whatever the order of file_role.
std::uint64_t role_code(file_role r) {
  switch (r) {
    case file_role::mask:
      return 0;
    case file_role::depth:
      return 1;
    case file_role::image:
      return 2;
    case file_role::annotations:
      return 3;
    case file_role::text:
      return 4;
  }
  return 255;
}

}  // namespace

std::uint64_t spec_hash(const pipeline_spec& spec) {
  pipeline_spec s = spec;
  s.sampler.rank = 0;
  s.loader = loader_spec{};
  s.io = io_spec{};
  s.base_dir.clear();
  hasher h;
  h.text(s.to_json());
  return h.value();
}

std::uint64_t dataset_hash(const dataset& data) {
  const dataset_index& index = data.index;
  hasher h;
  h.u64(index.records.size());
  for (const sample_record& r : index.records) {
    // The image's identity, then its other files' (as cursors made before sources were hashed them).
    h.text(data.source->identity(r.image()));
    h.u64(r.files.size() - 1);
    for (std::size_t i = 1; i < r.files.size(); ++i) {
      h.u64(role_code(r.files[i].role));
      h.text(data.source->identity(r.files[i].name));
    }
    h.u64(static_cast<std::uint64_t>(r.source_id));
    h.u64(static_cast<std::uint64_t>(r.width));
    h.u64(static_cast<std::uint64_t>(r.height));
    h.u64(r.normalized);
    h.u64(r.annotation_count);
    for (const annotation& a : index.annotations_of(r)) {
      for (float v : {a.x1, a.y1, a.x2, a.y2}) h.f64(v);
      h.u64(static_cast<std::uint64_t>(a.label));
      h.u64(a.flags);
      if (a.segm == annotation::no_segmentation) {
        h.u64(~0ull);
        continue;
      }
      const segmentation& sg = index.segmentations[a.segm];
      h.u64(sg.polygons.size());
      for (const auto& poly : sg.polygons) {
        h.u64(poly.size());
        h.bytes(poly.data(), poly.size() * sizeof(double));
      }
      h.u64(sg.rle_counts.size());
      h.bytes(sg.rle_counts.data(), sg.rle_counts.size() * sizeof(std::uint32_t));
      h.u64(static_cast<std::uint64_t>(sg.rle_height));
      h.u64(static_cast<std::uint64_t>(sg.rle_width));
    }
  }
  h.u64(index.classes.size());
  for (const class_info& c : index.classes) {
    h.u64(static_cast<std::uint64_t>(c.label));
    h.u64(static_cast<std::uint64_t>(c.category_id));
    h.text(c.name);
  }
  return h.value();
}

}  // namespace imgbatch::detail
