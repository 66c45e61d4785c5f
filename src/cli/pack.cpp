#include "cli/pack.hpp"

#include <imgbatch/error.hpp>

#include "dataset/dataset.hpp"
#include "decode/decoder.hpp"
#include "decode/sniff.hpp"
#include "encode/tar_writer.hpp"
#include "source/sample_source.hpp"
#include "target/target.hpp"
#include "util/file.hpp"
#include "util/json_text.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <unordered_map>

namespace imgbatch::detail {
namespace fs = std::filesystem;

namespace {

// A double as JSON that reads back to the same double.
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string image_extension(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  switch (sniff_format(bytes.data(), bytes.size())) {
    case image_format::jpeg:
      return "jpg";
    case image_format::png:
      return "png";
    default: {
      // Not an image imgbatch decodes: kept under its own extension, so reading it names the fault.
      std::string ext = fs::path(name).extension().string();
      if (!ext.empty()) ext.erase(0, 1);
      for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return ext.empty() ? "jpg" : ext;
    }
  }
}

// The sample's annotation JSON: {"width", "height", "annotations": [...]}, in COCO's fields.
std::string annotation_json(const dataset_index& index, const sample_record& r, int width, int height,
                            const std::unordered_map<std::int32_t, std::int64_t>& category_of) {
  std::string j =
      "{\"width\": " + std::to_string(width) + ", \"height\": " + std::to_string(height) + ", \"annotations\": [";
  const auto anns = index.annotations_of(r);
  for (std::size_t i = 0; i < anns.size(); ++i) {
    const annotation& a = anns[i];
    double x1 = a.x1, y1 = a.y1, x2 = a.x2, y2 = a.y2;
    if (r.normalized) {
      x1 *= width;
      x2 *= width;
      y1 *= height;
      y2 *= height;
    }
    const auto cat = category_of.find(a.label);
    j += std::string(i ? ", " : "") + "{\"id\": " + std::to_string(i) + ", \"bbox\": [" + number(x1) + ", " +
         number(y1) + ", " + number(x2 - x1) + ", " + number(y2 - y1) +
         "], \"category_id\": " + std::to_string(cat == category_of.end() ? a.label : cat->second) +
         ", \"iscrowd\": " + ((a.flags & (box_flag_crowd | annotation::region_only)) ? "1" : "0");
    if (a.segm != annotation::no_segmentation) {
      const segmentation& s = index.segmentations[a.segm];
      j += ", \"segmentation\": ";
      if (s.is_rle()) {
        j += "{\"size\": [" + std::to_string(s.rle_height) + ", " + std::to_string(s.rle_width) + "], \"counts\": [";
        for (std::size_t k = 0; k < s.rle_counts.size(); ++k) {
          if (k) j += ',';
          j += std::to_string(s.rle_counts[k]);
        }
        j += "]}";
      } else {
        j += "[";
        for (std::size_t p = 0; p < s.polygons.size(); ++p) {
          j += p ? ", [" : "[";
          for (std::size_t k = 0; k < s.polygons[p].size(); ++k) {
            if (k) j += ", ";
            j += number(s.polygons[p][k]);
          }
          j += "]";
        }
        j += "]";
      }
    }
    j += "}";
  }
  return j + "]}";
}

}  // namespace

pack_report pack_dataset(const pipeline_spec& spec, const std::string& out, std::uint64_t shard_bytes,
                         const std::function<void(std::size_t, std::size_t)>& progress) {
  if (fs::exists(out) && !fs::is_empty(out)) throw error(out + ": not empty: pack writes into a new folder");
  fs::create_directories(out);
  const dataset d = open_dataset(spec);
  const dataset_index& index = d.index;
  const bool annotated = spec.dataset.format != dataset_format::folder && spec.dataset.format != dataset_format::list;
  std::unordered_map<std::int32_t, std::int64_t> category_of;
  for (const class_info& c : index.classes) category_of.emplace(c.label, c.category_id);

  pack_report report;
  std::unique_ptr<tar_writer> shard;
  auto shard_name = [](std::size_t k) {
    char name[32];
    std::snprintf(name, sizeof name, "shard-%06zu.tar", k);
    return std::string(name);
  };
  auto finish_shard = [&] {
    if (!shard) return;
    report.bytes += shard->size() + 1024;
    shard->close();
    shard.reset();
  };
  decoder dec;
  std::vector<std::uint8_t> bytes;
  struct member {
    std::string name;
    std::vector<std::uint8_t> data;
  };
  std::vector<member> members;
  const read_limits limits{spec.decode.max_file_bytes, nullptr};
  for (const sample_record& r : index.records) {
    char key[16];
    std::snprintf(key, sizeof key, "%09llu", static_cast<unsigned long long>(r.id));
    members.clear();
    std::uint64_t sample_bytes = 0;
    for (const sample_file& f : r.files) {
      if (auto why = d.source->fetch(r, f, bytes, limits); !why.empty()) throw error(f.name + ": " + why);
      std::string ext;
      switch (f.role) {
        case file_role::image:
          ext = image_extension(bytes, f.name);
          break;
        case file_role::mask:
          ext = "seg.png";
          break;
        case file_role::depth:
          ext = "depth.png";
          break;
        case file_role::text:
          ext = "txt";
          break;
        case file_role::annotations:
          continue;  // written below, from the index
      }
      members.push_back({std::string(key) + "." + ext, bytes});
      sample_bytes += 512 + bytes.size();
    }
    if (annotated) {
      int w = r.width, h = r.height;
      if (w <= 0 || h <= 0 || r.normalized) {
        // The size of the annotations' frame, from the image's header (YOLO's fractions need it).
        const std::vector<std::uint8_t>& img = members.front().data;
        const image_header hd = dec.read_header(img.data(), img.size(), spec.decode);
        const annotation_space a = annotation_space_of(hd, spec.decode, spec.dataset.frame);
        w = a.width;
        h = a.height;
      }
      const std::string j = annotation_json(index, r, w, h, category_of);
      members.push_back({std::string(key) + ".json", std::vector<std::uint8_t>(j.begin(), j.end())});
      sample_bytes += 512 + j.size();
    }
    if (!shard || (shard->size() > 0 && shard->size() + sample_bytes > shard_bytes)) {
      finish_shard();
      shard = std::make_unique<tar_writer>((fs::path(out) / shard_name(report.shards)).string());
      ++report.shards;
    }
    for (const member& m : members) shard->add(m.name, m.data.data(), m.data.size());
    ++report.samples;
    if (progress && (report.samples % 64 == 0 || report.samples == index.records.size()))
      progress(report.samples, index.records.size());
  }
  finish_shard();
  if (!index.classes.empty()) {
    std::string j = "{\"categories\": [";
    for (std::size_t i = 0; i < index.classes.size(); ++i)
      j += std::string(i ? ", " : "") + "{\"id\": " + std::to_string(index.classes[i].category_id) +
           ", \"name\": " + json_quote(index.classes[i].name) + "}";
    j += "]}\n";
    write_file((fs::path(out) / "categories.json").string(), j.data(), j.size());
    report.categories = true;
  }
  report.urls =
      report.shards == 1 ? shard_name(0) : "shard-{000000.." + shard_name(report.shards - 1).substr(6, 6) + "}.tar";
  return report;
}

}  // namespace imgbatch::detail
