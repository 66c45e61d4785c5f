// WebDataset shards: members grouped into samples by key as WebDataset's group_by_keys does (consecutive
// members whose names agree up to the first dot of the base name), each member's role given by its
// extension. Shards are walked in parallel, one thread per shard at a time, and merged in shard order.
#include <imgbatch/error.hpp>

#include "dataset/coco_json.hpp"
#include "dataset/dataset.hpp"
#include "dataset/file_ids.hpp"
#include "source/brace_expand.hpp"
#include "source/shard_index.hpp"
#include "source/tar_members.hpp"
#include "source/tar_source.hpp"
#include "util/clip.hpp"
#include "util/log.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
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
  shard_reader(const pipeline_spec& spec, const tar_source& src, const shard_index_cache& cache,
               const std::unordered_map<std::int64_t, std::int32_t>* labels)
      : spec_(spec), src_(src), cache_(cache), labels_(labels) {}

  // A shard that is cut short or corrupt: the members after the fault are not read. That loses samples,
  // so it stops the loader unless loader.on_error already lets samples go (skip, substitute).
  bool damage_fatal() const noexcept { return spec_.loader.on_error == error_policy::fail; }

  void read(std::uint32_t k, dataset_index& out) {
    const tar_source::shard& sh = src_.shards()[k];
    shard_stamp stamp;
    try {
      stamp = src_.stamp(k);
    } catch (const dataset_error& e) {
      // Unreachable now. Under on_error fail that stops the loader; under skip or substitute the index
      // kept in the cache still gives its samples (each fails when read, if the shard is still away), so
      // the dataset stays the one a cursor was saved on; without one the shard is left out.
      if (damage_fatal()) throw;
      std::optional<shard_listing> kept = cache_.load(sh.identity, nullptr);
      out.problems.push_back({sh.location, "",
                              std::string(e.what()) + (kept ? ": its samples come from the index kept in the cache"
                                                            : ": its samples are left out"),
                              false});
      if (kept) group(k, *kept, out);
      return;
    }
    std::optional<shard_listing> listing = cache_.load(sh.identity, &stamp);
    if (listing) src_.count_index_cache_hit();
    if (!listing) {
      listing = src_.list(k, [&](const std::string& name) { return is_annotation(name); });
      cache_.store(sh.identity, stamp, *listing);
    }
    if (!listing->damage.empty())
      out.problems.push_back(
          {sh.location, "", listing->damage + ": the members after it are not read", damage_fatal()});
    group(k, *listing, out);
  }

 private:
  bool is_annotation(const std::string& name) const {
    std::string_view key;
    std::string ext;
    return split_key(name, key, ext) && role_of(spec_.dataset.members, ext) == file_role::annotations;
  }

  void group(std::uint32_t k, const shard_listing& listing, dataset_index& out) {
    const std::vector<tar_member>& members = listing.members;
    const std::string& shard = src_.shards()[k].location;
    const member_extensions& roles = spec_.dataset.members;
    std::string current;  // the key of the sample being gathered
    bool open = false;
    const std::string* annotation_text = nullptr;  // the annotation member's bytes, when indexing kept them
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
      if (const sample_file* a = r.find(file_role::annotations)) annotate(k, *a, annotation_text, r, out);
      out.records.push_back(std::move(r));
    };
    for (std::size_t i = 0; i < members.size(); ++i) {
      const tar_member& m = members[i];
      std::string_view key;
      if (!split_key(m.name, key, ext)) continue;
      if (!open || key != current) {
        finish();
        r = sample_record{};
        annotation_text = nullptr;
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
      if (*role == file_role::annotations && listing.kept[i].size() == m.size) annotation_text = &listing.kept[i];
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
  void annotate(std::uint32_t k, const sample_file& f, const std::string* kept, sample_record& r, dataset_index& out) {
    const std::string& file = f.name;
    r.annotation_file = file;
    r.first_annotation = static_cast<std::uint32_t>(out.annotations.size());
    if (f.at.size > spec_.dataset.max_metadata_bytes) {
      out.problems.push_back(
          {file, "",
           "more than dataset.max_metadata_bytes (" + std::to_string(spec_.dataset.max_metadata_bytes) + ")"});
      return;
    }
    if (kept) {
      text_.assign(*kept);
      text_.reserve(text_.size() + simdjson::SIMDJSON_PADDING);
    } else {
      text_.resize(static_cast<std::size_t>(f.at.size));
      text_.reserve(text_.size() + simdjson::SIMDJSON_PADDING);
      if (auto why = src_.read_at(k, f.at.offset, f.at.size, text_.data()); !why.empty()) {
        out.problems.push_back({file, "", why});
        return;
      }
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
  const shard_index_cache& cache_;
  const std::unordered_map<std::int64_t, std::int32_t>* labels_;
  od::parser parser_;
  std::string text_;
};

// "indexing shards: k/n" on a terminal, at most every half second.
class index_progress {
 public:
  void done(std::uint32_t total) {
    const std::uint32_t d = done_.fetch_add(1) + 1;
    if (!tty_) return;
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (d < total && now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    std::fprintf(stderr, "\rimgbatch: indexing shards %u/%u%s", d, total, d == total ? "\n" : "");
  }

 private:
  std::atomic<std::uint32_t> done_{0};
  bool tty_ = ::isatty(STDERR_FILENO) != 0;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point last_{};
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
      if (is_http_url(name)) {
        shards.push_back({name, name});
        continue;
      }
      const std::string path = resolve(spec, name).string();
      shards.push_back({path, ids.of(path)});
    }
  auto source = std::make_unique<tar_source>(std::move(shards),
                                             http_options{spec.io.retries, spec.io.timeout_s, spec.io.backoff_s},
                                             spec.io.read_ahead_bytes, spec.io.max_requests);
  const shard_index_cache cache(cache_dir(spec.io.cache_dir, spec.base_dir));
  std::unordered_map<std::int64_t, std::int32_t> labels;
  const bool boxes = spec.targets.boxes || spec.targets.instance_masks;
  if (boxes) labels = read_category_file(spec, index);

  const auto count = static_cast<std::uint32_t>(source->shards().size());
  index_progress progress;
  std::vector<shard_index> parts(count);
  std::atomic<std::uint32_t> next{0};
  auto work = [&] {
    shard_reader reader(spec, *source, cache, boxes ? &labels : nullptr);
    for (std::uint32_t k; (k = next.fetch_add(1)) < count;) {
      try {
        reader.read(k, parts[k].part);
      } catch (...) {
        parts[k].failure = std::current_exception();
      }
      progress.done(count);
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
