#include "dataset/dataset.hpp"

#include <imgbatch/error.hpp>

#include "source/file_source.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace imgbatch::detail {

std::string_view role_name(file_role r) noexcept {
  switch (r) {
    case file_role::image:
      return "image";
    case file_role::annotations:
      return "annotations";
    case file_role::text:
      return "text";
    case file_role::mask:
      return "mask";
    case file_role::depth:
      return "depth";
  }
  return "?";
}

std::string read_dataset_file(const pipeline_spec& spec, const std::filesystem::path& file, std::string& out,
                              std::size_t padding) {
  return read_metadata(file.string(), spec.dataset.max_metadata_bytes, "dataset.max_metadata_bytes", out, padding);
}

std::filesystem::path resolve(const pipeline_spec& spec, const std::filesystem::path& p) {
  if (p.is_absolute()) return p;
  std::filesystem::path root = spec.dataset.root;
  if (!root.is_absolute()) root = (spec.base_dir.empty() ? std::filesystem::path(".") : spec.base_dir) / root;
  return (root / p).lexically_normal();
}

namespace {

// Indexes the dataset's samples; returns the source they are read through.
std::unique_ptr<sample_source> index_samples(const pipeline_spec& spec, dataset_index& index) {
  switch (spec.dataset.format) {
    case dataset_format::folder:
      read_folder(spec, index);
      break;
    case dataset_format::list:
      read_list(spec, index);
      break;
    case dataset_format::coco:
      read_coco(spec, index);
      break;
    case dataset_format::voc:
      read_voc(spec, index);
      break;
    case dataset_format::yolo:
      read_yolo(spec, index);
      break;
    case dataset_format::webdataset:
      return read_webdataset(spec, index);
  }
  return std::make_unique<file_source>(spec);
}

// What every format shares once its samples are listed: limits, empty images, ids, problems.
void finish_index(const pipeline_spec& spec, dataset_index& index, bool throw_on_problems) {
  // Per-sample storage is sized by the largest count (box sets reserved in every batch slot): a file with
  // millions of annotations for one image would make every slot that large.
  const auto limit = static_cast<std::uint32_t>(spec.dataset.max_annotations);
  std::erase_if(index.records, [&](const sample_record& r) {
    if (r.annotation_count <= limit) return false;
    index.problems.push_back({r.annotation_file.empty() ? r.image() : r.annotation_file, r.image(),
                              std::to_string(r.annotation_count) + " annotations, more than dataset.max_annotations (" +
                                  std::to_string(limit) + ")"});
    return true;
  });
  if (!spec.dataset.keep_empty) {
    std::erase_if(index.records, [&](const sample_record& r) {
      if (r.annotation_count) return false;
      ++index.dropped_empty;
      return true;
    });
  }
  for (std::size_t i = 0; i < index.records.size(); ++i) index.records[i].id = i;
  if (index.dropped_empty || index.dropped_crowd || index.skipped_missing)
    log().info(
        "dataset: {} images kept; dropped {} without annotations, {} crowd annotations; skipped {} missing images",
        index.records.size(), index.dropped_empty, index.dropped_crowd, index.skipped_missing);
  if (throw_on_problems) {
    std::vector<const index_problem*> fatal;
    for (const auto& p : index.problems)
      if (p.fatal) fatal.push_back(&p);
    if (!fatal.empty()) {
      std::string msg = std::to_string(fatal.size()) + " problem(s) in the dataset (`imgbatch check` lists all):";
      for (std::size_t i = 0; i < fatal.size() && i < 5; ++i) msg += "\n  " + fatal[i]->text();
      throw dataset_error(msg);
    }
    if (!index.problems.empty())
      log().warn(
          "dataset: {} problem(s) worked around (boxes clipped or dropped, files skipped), e.g. {} "
          "(`imgbatch check` lists all)",
          index.problems.size(), index.problems.front().text());
  }
  if (throw_on_problems && index.records.empty()) throw dataset_error("the dataset has no sample left to load");
}

}  // namespace

dataset_index build_index(const pipeline_spec& spec, bool throw_on_problems) {
  return std::move(open_dataset(spec, throw_on_problems).index);
}

dataset::dataset() = default;
dataset::dataset(dataset&&) noexcept = default;
dataset& dataset::operator=(dataset&&) noexcept = default;
dataset::~dataset() = default;

dataset open_dataset(const pipeline_spec& spec, bool throw_on_problems) {
  dataset d;
  d.source = index_samples(spec, d.index);
  finish_index(spec, d.index, throw_on_problems);
  if (spec.sampler.group_by_aspect > 0) read_image_sizes(spec, d.index, *d.source);
  return d;
}

}  // namespace imgbatch::detail
