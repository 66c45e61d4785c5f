// WebDataset shards: members grouped into samples by key as WebDataset's group_by_keys does (consecutive
// members whose names agree up to the first dot of the base name), each member's role given by its
// extension. Shards are walked in parallel, one thread per shard at a time, and merged in shard order.
#include <imgbatch/error.hpp>

#include "dataset/coco_json.hpp"
#include "dataset/dataset.hpp"
#include "dataset/file_ids.hpp"
#include "source/brace_expand.hpp"
#include "source/tar_members.hpp"
#include "source/tar_source.hpp"
#include "util/clip.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <optional>
#include <thread>
#include <unordered_map>

namespace imgbatch::detail {
namespace fs = std::filesystem;

namespace {

// A member name's key and extension as WebDataset's base_plus_ext splits it: the key is everything up to
// the first dot of the base name (the folder included), the extension the rest, in lower case. A base
// name without a dot has no key (WebDataset skips it), nor has one of WebDataset's "__meta__" files.
bool split_key(const std::string& name, std::string_view& key, std::string& ext) {
  const std::size_t slash = name.rfind('/');
  const std::size_t base = slash == std::string::npos ? 0 : slash + 1;
  const std::size_t dot = name.find('.', base);
  if (dot == std::string::npos || dot == base) return false;
  if (slash == std::string::npos && name.size() > 4 && name.starts_with("__") && name.ends_with("__")) return false;
  key = std::string_view(name).substr(0, dot);
  ext.assign(name, dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return true;
}

std::optional<file_role> role_of(const member_extensions& m, const std::string& ext) {
  auto in = [&](const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), ext) != v.end(); };
  if (in(m.image)) return file_role::image;
  if (in(m.mask)) return file_role::mask;
  if (in(m.depth)) return file_role::depth;
  if (in(m.annotations)) return file_role::annotations;
  if (in(m.text)) return file_role::text;
  return std::nullopt;
}

// What one shard contributes: its samples and their annotations, numbered within the shard.
struct shard_index {
  dataset_index part;
  std::exception_ptr failure;
};

class shard_reader {
 public:
  shard_reader(const pipeline_spec& spec, const tar_source& src,
               const std::unordered_map<std::int64_t, std::int32_t>* labels)
      : spec_(spec), src_(src), labels_(labels) {}

  // A shard that is cut short or corrupt: the members after the fault are not read. That loses samples,
  // so it stops the loader unless loader.on_error already lets samples go (skip, substitute).
  bool damage_fatal() const noexcept { return spec_.loader.on_error == error_policy::fail; }

  void read(std::uint32_t k, dataset_index& out) {
    const std::string& shard = src_.shards()[k].path;
    std::error_code ec;
    const std::uint64_t bytes = fs::file_size(shard, ec);
    if (ec) throw dataset_error(shard + ": cannot read the shard: " + ec.message());
    std::vector<tar_member> members;
    tar_walker walker;
    unsigned char header[tar_walker::block];
    std::string meta;
    std::uint64_t pos = 0;
    auto where = [&] {
      return members.empty() ? std::string("at its start") : "after member " + clipped(members.back().name);
    };
    for (;;) {
      if (pos + tar_walker::block > bytes) {
        if (pos == bytes) break;  // no end-of-archive blocks: the members so far are whole
        out.problems.push_back({shard, "",
                                "truncated " + where() + ": a header at byte " + std::to_string(pos) +
                                    " runs past its end (" + std::to_string(bytes) + " bytes)",
                                damage_fatal()});
        break;
      }
      if (auto why = src_.read_at(k, pos, tar_walker::block, header); !why.empty())
        throw dataset_error(shard + ": " + why);
      tar_walker::step step;
      try {
        step = walker.header(header, pos);
      } catch (const tar_error& e) {
        out.problems.push_back(
            {shard, "", std::string(e.what()) + " " + where() + ": the members after it are not read", damage_fatal()});
        break;
      }
      if (step == tar_walker::step::end) break;
      const std::uint64_t size = walker.data_size(), data = pos + tar_walker::block;
      if (data + size > bytes) {
        const std::string what =
            step == tar_walker::step::member ? "member " + clipped(walker.member().name) : "an entry";
        out.problems.push_back({shard, what,
                                "truncated: its " + std::to_string(size) + " bytes from byte " + std::to_string(data) +
                                    " run past the shard's end (" + std::to_string(bytes) + " bytes)",
                                damage_fatal()});
        break;
      }
      if (step == tar_walker::step::metadata) {
        meta.resize(static_cast<std::size_t>(size));
        if (auto why = src_.read_at(k, data, size, meta.data()); !why.empty()) throw dataset_error(shard + ": " + why);
        try {
          walker.metadata(meta);
        } catch (const tar_error& e) {
          out.problems.push_back({shard, "",
                                  std::string(e.what()) + " " + where() + ": the members after it are not read",
                                  damage_fatal()});
          break;
        }
      } else if (step == tar_walker::step::member) {
        members.push_back(walker.member());
      }
      pos = data + tar_walker::padded(size);
    }
    group(k, members, out);
  }

 private:
  void group(std::uint32_t k, const std::vector<tar_member>& members, dataset_index& out) {
    const std::string& shard = src_.shards()[k].path;
    const member_extensions& roles = spec_.dataset.members;
    std::string current;  // the key of the sample being gathered
    bool open = false;
    sample_record r;
    std::string ext;
    auto finish = [&] {
      if (!open) return;
      open = false;
      if (!r.find(file_role::image)) {
        out.problems.push_back(
            {shard, clipped(current), "a sample without an image member (" + list(roles.image) + "): skipped", false});
        return;
      }
      // The image first, as every record has it.
      std::stable_partition(r.files.begin(), r.files.end(),
                            [](const sample_file& f) { return f.role == file_role::image; });
      if (const sample_file* a = r.find(file_role::annotations)) annotate(k, *a, r, out);
      out.records.push_back(std::move(r));
    };
    for (const tar_member& m : members) {
      std::string_view key;
      if (!split_key(m.name, key, ext)) continue;
      if (!open || key != current) {
        finish();
        r = sample_record{};
        current.assign(key);
        open = true;
      }
      const std::optional<file_role> role = role_of(roles, ext);
      if (!role) continue;  // a member no target reads (.cls, .url, ...)
      if (r.find(*role)) {
        out.problems.push_back(
            {src_.name_of(k, m.name), "",
             "a second " + std::string(role_name(*role)) + " member of sample " + clipped(current) + ": ignored",
             false});
        continue;
      }
      r.add(*role, src_.name_of(k, m.name), {k, m.offset, m.size});
    }
    finish();
  }

  static std::string list(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "." : ", .") + e;
    return s;
  }

  // The sample's annotation JSON: {"width", "height", "annotations": [COCO objects]}; an img2dataset
  // JSON (url, caption, width, height, ...) has no annotations: no objects.
  void annotate(std::uint32_t k, const sample_file& f, sample_record& r, dataset_index& out) {
    const std::string& file = f.name;
    r.annotation_file = file;
    r.first_annotation = static_cast<std::uint32_t>(out.annotations.size());
    if (f.at.size > spec_.dataset.max_metadata_bytes) {
      out.problems.push_back(
          {file, "",
           "more than dataset.max_metadata_bytes (" + std::to_string(spec_.dataset.max_metadata_bytes) + ")"});
      return;
    }
    text_.resize(static_cast<std::size_t>(f.at.size));
    text_.reserve(text_.size() + simdjson::SIMDJSON_PADDING);
    if (auto why = src_.read_at(k, f.at.offset, f.at.size, text_.data()); !why.empty()) {
      out.problems.push_back({file, "", why});
      return;
    }
    const json_context c{file};
    std::vector<coco_annotation> anns;
    const bool want_segm = spec_.targets.mask.has_value() || spec_.targets.instance_masks.has_value();
    const std::size_t segm_base = out.segmentations.size();
    try {
      od::document doc;
      c.check(parser_.iterate(simdjson::padded_string_view(text_.data(), text_.size(), text_.capacity())).get(doc),
              "(top level)", "invalid JSON");
      od::object top;
      c.check(doc.get_object().get(top), "(top level)", "expected an object");
      key_set seen;
      for (auto field : top) {
        std::string_view key;
        c.check(field.unescaped_key().get(key), "(top level)", "invalid JSON");
        seen.add(key, c, "(top level)");
        if (key == "width") r.width = get_size(field.value(), c, "(top level)", "width");
        else if (key == "height") r.height = get_size(field.value(), c, "(top level)", "height");
        else if (key == "annotations") {
          od::array arr;
          c.check(field.value().get_array().get(arr), "annotations", "expected an array");
          read_annotations(arr, c, want_segm, anns, out.segmentations);
        }
      }
    } catch (const dataset_error& e) {
      out.problems.push_back({file, "", e.what()});
      out.segmentations.resize(segm_base);
      return;
    } catch (const simdjson::simdjson_error& e) {
      out.problems.push_back({file, "", std::string("invalid JSON: ") + e.what()});
      out.segmentations.resize(segm_base);
      return;
    }
    if (anns.empty()) return;
    if (r.width <= 0 || r.height <= 0) {
      out.problems.push_back({file, "", "annotations need the image's 'width' and 'height'"});
      return;
    }
    if (!labels_) {  // no target reads boxes
      return;
    }
    for (std::size_t j = 0; j < anns.size(); ++j) {
      const coco_annotation& a = anns[j];
      const std::string entry = "annotations[" + std::to_string(j) + "]";
      auto cat = labels_->find(a.category_id);
      if (cat == labels_->end()) {
        out.problems.push_back({file, entry, "unknown category id " + std::to_string(a.category_id)});
        continue;
      }
      if (a.crowd && spec_.dataset.crowd == crowd_policy::drop) {
        ++out.dropped_crowd;
        continue;
      }
      annotation conv;
      if (!convert_annotation(spec_, a, cat->second, r.width, r.height, file, entry, out, conv)) continue;
      out.annotations.push_back(conv);
      ++r.annotation_count;
    }
  }

  const pipeline_spec& spec_;
  const tar_source& src_;
  const std::unordered_map<std::int64_t, std::int32_t>* labels_;
  od::parser parser_;
  std::string text_;
};

// Appends a shard's part to the index, renumbering its annotations and segmentations.
void merge(dataset_index& index, dataset_index&& part) {
  const auto ann_base = static_cast<std::uint32_t>(index.annotations.size());
  const auto segm_base = static_cast<std::uint32_t>(index.segmentations.size());
  for (annotation& a : part.annotations)
    if (a.segm != annotation::no_segmentation) a.segm += segm_base;
  index.annotations.insert(index.annotations.end(), part.annotations.begin(), part.annotations.end());
  std::move(part.segmentations.begin(), part.segmentations.end(), std::back_inserter(index.segmentations));
  for (sample_record& r : part.records) {
    r.first_annotation += ann_base;
    index.records.push_back(std::move(r));
  }
  std::move(part.problems.begin(), part.problems.end(), std::back_inserter(index.problems));
  index.dropped_crowd += part.dropped_crowd;
}

// The categories file: COCO's `categories` array, alone or in an object under that key.
std::unordered_map<std::int64_t, std::int32_t> read_category_file(const pipeline_spec& spec, dataset_index& index) {
  const fs::path path = resolve(spec, spec.dataset.categories);
  const std::string file = path.string();
  std::string text;
  if (auto why = read_dataset_file(spec, path, text, simdjson::SIMDJSON_PADDING); !why.empty())
    throw dataset_error(file + ": cannot read the categories file: " + why);
  std::vector<class_info> cats;
  try {
    od::parser parser;
    const json_context c{file};
    od::document doc;
    c.check(parser.iterate(simdjson::padded_string_view(text.data(), text.size(), text.capacity())).get(doc),
            "(top level)", "invalid JSON");
    od::json_type t = od::json_type::null;
    c.check(doc.type().get(t), "(top level)", "invalid JSON");
    od::array arr;
    if (t == od::json_type::object) {
      od::object top;
      c.check(doc.get_object().get(top), "(top level)", "invalid JSON");
      c.check(top.find_field_unordered("categories").get_array().get(arr), "categories",
              "expected an array of categories");
    } else {
      c.check(doc.get_array().get(arr), "(top level)",
              "expected COCO's categories (an array, or an object holding one)");
    }
    read_categories(arr, c, cats);
  } catch (const simdjson::simdjson_error& e) {
    throw dataset_error(file + ": invalid JSON: " + e.what());
  }
  return category_labels(spec, cats, file, index);
}

}  // namespace

std::unique_ptr<sample_source> read_webdataset(const pipeline_spec& spec, dataset_index& index) {
  const file_ids ids(spec);
  std::vector<tar_source::shard> shards;
  for (std::size_t i = 0; i < spec.dataset.urls.size(); ++i)
    for (std::string& name : brace_expand(spec.dataset.urls[i], "dataset.urls[" + std::to_string(i) + "]")) {
      const std::string path = resolve(spec, name).string();
      shards.push_back({path, ids.of(path)});
    }
  auto source = std::make_unique<tar_source>(std::move(shards));
  std::unordered_map<std::int64_t, std::int32_t> labels;
  const bool boxes = spec.targets.boxes || spec.targets.instance_masks;
  if (boxes) labels = read_category_file(spec, index);

  const auto count = static_cast<std::uint32_t>(source->shards().size());
  std::vector<shard_index> parts(count);
  std::atomic<std::uint32_t> next{0};
  auto work = [&] {
    shard_reader reader(spec, *source, boxes ? &labels : nullptr);
    for (std::uint32_t k; (k = next.fetch_add(1)) < count;) {
      try {
        reader.read(k, parts[k].part);
      } catch (...) {
        parts[k].failure = std::current_exception();
      }
    }
  };
  {
    const unsigned threads = std::min<unsigned>(count, std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
  }
  for (shard_index& p : parts) {
    if (p.failure) std::rethrow_exception(p.failure);
    merge(index, std::move(p.part));
  }
  log().info("webdataset: {} samples in {} shards", index.records.size(), count);
  return source;
}

}  // namespace imgbatch::detail
