// imgbatch: dump, check and preview a pipeline spec; make the built-in sample dataset.
#include <imgbatch/imgbatch.hpp>

#include "cli/check.hpp"
#include "cli/npy.hpp"
#include "cli/pack.hpp"
#include "cli/preview.hpp"
#include "cli/synth.hpp"
#include "pipeline/fault_log.hpp"
#include "util/clip.hpp"
#include "util/file.hpp"
#include "util/json_text.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace imgbatch;

namespace {

const char* usage = R"(usage:
  imgbatch dump SPEC --batches K --out DIR [--epoch E] [--from-batch B] [--threads T]
      writes DIR/NNNN/<tensor>.npy (NumPy 1.0) and DIR/NNNN/meta.json per batch, NNNN the batch's
      index in the epoch; --from-batch starts there exactly as a restored cursor would; prints the
      cursor after the last batch written
  imgbatch check SPEC [--threads T] [--quarantine FILE]
      decodes every sample and validates every annotation; lists each bad file as
      FILE: REASON (STAGE); exit 1 if any; --quarantine appends the bad files not yet
      listed to FILE, in the format loader.quarantine reads
  imgbatch preview SPEC --out FILE.png [--epoch E] [--batch K]
      one batch as a grid, masks blended, boxes drawn with their class names
  imgbatch pack SPEC --out DIR [--shard-bytes B]
      writes the spec's dataset (folder, list, COCO, VOC, YOLO) as WebDataset shards
      DIR/shard-NNNNNN.tar of about B bytes (default 1 GiB), file bytes unchanged, with
      annotations as per-sample JSON and DIR/categories.json; prints the dataset section
      that reads them back
  imgbatch make-sample OUT [--n N] [--seed S]
      writes a small dataset with masks, depth and COCO boxes, and OUT/{seg,det,depth,gen}.json
  imgbatch version
)";

struct args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;

  static args parse(int argc, char** argv, int first) {
    args a;
    for (int i = first; i < argc; ++i) {
      std::string s = argv[i];
      if (s.starts_with("--")) {
        if (i + 1 >= argc) throw error("option " + s + " needs a value");
        a.options[s.substr(2)] = argv[++i];
      } else {
        a.positional.push_back(s);
      }
    }
    return a;
  }
  std::string get(const std::string& k, const std::string& fallback = {}) const {
    auto it = options.find(k);
    return it == options.end() ? fallback : it->second;
  }
  /// The option's value, a whole number from 0 to `max` (a number out of that range is refused, never clamped).
  std::uint64_t number(const std::string& k, std::uint64_t fallback,
                       std::uint64_t max = std::numeric_limits<std::int64_t>::max()) const {
    auto it = options.find(k);
    if (it == options.end()) return fallback;
    const std::string& text = it->second;
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v > max)
      throw error("--" + k + " takes a whole number from 0 to " + std::to_string(max) + ", not '" +
                  detail::clipped(text, 40) + "'");
    return v;
  }
  void allow(std::initializer_list<const char*> names) const {
    for (auto& [k, v] : options) {
      bool ok = false;
      for (const char* n : names) ok = ok || k == n;
      if (!ok) throw error("unknown option --" + k);
    }
  }
};

pipeline_spec load_spec(const args& a) {
  if (a.positional.empty()) throw error("missing SPEC");
  pipeline_spec spec = pipeline_spec::from_file(a.positional[0]);
  if (a.options.count("threads")) spec.loader.threads = static_cast<int>(a.number("threads", 0, 1 << 20));
  return spec;
}

std::string geometry_json(const sample_geometry& g) {
  std::ostringstream os;
  auto z = [](double v) { return v + 0.0; };  // no "-0"
  os.precision(10);
  os << "{\"source_size\": [" << g.source_height << ", " << g.source_width << "], \"output_size\": [" << g.output_height
     << ", " << g.output_width << "], \"exif_orientation\": " << g.exif_orientation << ", \"scale\": [" << g.scale_y
     << ", " << g.scale_x << "], \"offset\": [" << z(g.offset_y) << ", " << z(g.offset_x) << "], \"matrix\": ["
     << z(g.matrix[0]) << ", " << z(g.matrix[1]) << ", " << z(g.matrix[2]) << ", " << z(g.matrix[3]) << ", "
     << z(g.matrix[4]) << ", " << z(g.matrix[5]) << "], \"hflip\": " << (g.hflip ? "true" : "false")
     << ", \"vflip\": " << (g.vflip ? "true" : "false") << ", \"crop\": [" << z(g.crop_x) << ", " << z(g.crop_y) << ", "
     << z(g.crop_width) << ", " << z(g.crop_height) << "]}";
  return os.str();
}

int cmd_dump(const args& a) {
  a.allow({"batches", "out", "epoch", "from-batch", "threads"});
  pipeline_spec spec = load_spec(a);
  const std::string out = a.get("out");
  if (out.empty()) throw error("dump needs --out DIR");
  const auto want = static_cast<long long>(a.number("batches", 1));
  // A folder that holds anything already would mix stale batches with new ones.
  std::error_code ec;
  const fs::file_status st = fs::status(out, ec);
  if (ec && st.type() != fs::file_type::not_found) throw error("--out " + out + ": " + ec.message());
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) throw error("--out " + out + " exists and is not a folder");
    const bool empty = fs::is_empty(out, ec);
    if (ec) throw error("--out " + out + ": " + ec.message());
    if (!empty)
      throw error("--out " + out +
                  " is not empty: dump writes into a new or empty folder, so that no batch of an "
                  "earlier dump is mistaken for one of this");
  }
  loader l(spec);
  const std::uint64_t epoch = a.number("epoch", 0, std::numeric_limits<std::uint64_t>::max());
  l.set_epoch(epoch);
  if (const std::uint64_t from = a.number("from-batch", 0); from > 0) {
    cursor c = l.state();
    c.batches = from;
    l.restore(c);
  }
  long long written = 0;
  std::optional<batch> got;
  while (written < want && (got = l.next())) {
    const batch& b = *got;
    char name[24];
    std::snprintf(name, sizeof name, "%04llu", static_cast<unsigned long long>(b.index()));
    // Written under a temporary name, then renamed: a dump killed midway leaves no half-written batch
    // under a batch's name.
    const fs::path final_dir = fs::path(out) / name;
    const fs::path dir = fs::path(out) / (std::string(".") + name + ".partial");
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (auto n : b.names()) detail::write_npy((dir / (std::string(n) + ".npy")).string(), b[n]);
    std::ostringstream meta;
    meta << "{\"epoch\": " << b.epoch() << ", \"batch\": " << b.index();
    if (!l.classes().empty()) {
      meta << ", \"classes\": [";
      for (std::size_t k = 0; k < l.classes().size(); ++k) {
        const class_info& c = l.classes()[k];
        meta << (k ? ", " : "") << "{\"label\": " << c.label << ", \"category_id\": " << c.category_id
             << ", \"name\": " << detail::json_quote(c.name) << "}";
      }
      meta << "]";
    }
    meta << ", \"samples\": [";
    for (std::size_t i = 0; i < b.samples().size(); ++i) {
      const sample_info& s = b.samples()[i];
      meta << (i ? ",\n  " : "\n  ") << "{\"id\": " << s.id << ", \"position\": " << s.position
           << ", \"image\": " << detail::json_quote(s.image_path);
      if (s.source_id >= 0) meta << ", \"source_id\": " << s.source_id;
      for (const auto& [target, path] : s.files)
        meta << ", " << detail::json_quote(target) << ": " << detail::json_quote(path);
      meta << ", \"geometry\": " << geometry_json(s.geometry) << "}";
    }
    meta << "\n]}\n";
    const std::string text = meta.str();
    detail::write_file((dir / "meta.json").string(), text.data(), text.size());
    fs::rename(dir, final_dir);
    ++written;
  }
  std::printf("wrote %lld batch(es) to %s\ncursor: %s\n", written, out.c_str(), l.state().to_string().c_str());
  return 0;
}

int cmd_check(const args& a) {
  a.allow({"threads", "quarantine"});
  pipeline_spec spec = load_spec(a);
  const std::string quarantine = a.get("quarantine");
  const int threads =
      spec.loader.threads > 0 ? spec.loader.threads : static_cast<int>(std::thread::hardware_concurrency());
  const bool tty = isatty(STDERR_FILENO);
  auto progress = [&](std::size_t done, std::size_t total, std::size_t bad) {
    if (tty) std::fprintf(stderr, "\rchecked %zu/%zu, %zu bad", done, total, bad);
  };
  const auto report = detail::check_dataset(spec, threads, progress);
  if (tty) std::fprintf(stderr, "\n");
  for (const auto& p : report.problems) {
    if (p.entry.empty()) std::printf("%s: %s (%s)\n", p.file.c_str(), p.reason.c_str(), p.stage.c_str());
    else std::printf("%s: %s: %s (%s)\n", p.file.c_str(), p.entry.c_str(), p.reason.c_str(), p.stage.c_str());
  }
  if (!quarantine.empty()) {
    // Appended, one line per file not listed yet, as the loader appends: the files a spec's own quarantine
    // left out of this check stay listed when FILE is that quarantine.
    // Files are listed by their identity in the dataset (their path from its root), as the loader lists them.
    std::set<std::string> listed;
    for (const auto& f : detail::read_quarantine(quarantine)) listed.insert(f.first);
    std::ofstream q(quarantine, std::ios::binary | std::ios::app);
    std::size_t added = 0;
    for (const auto& p : report.problems)
      if (listed.insert(p.id).second) {
        q << detail::quarantine_line(p.id, p.stage, p.entry.empty() ? p.reason : p.entry + ": " + p.reason);
        ++added;
      }
    q.flush();
    if (!q) throw error("cannot write " + quarantine);
    std::printf("%zu file(s) added to %s, %zu listed\n", added, quarantine.c_str(), listed.size());
  }
  std::printf("%zu problem(s), %zu sample(s) checked", report.problems.size(), report.samples);
  if (report.quarantined) std::printf(", %zu left out by loader.quarantine", report.quarantined);
  std::printf("\n");
  return report.problems.empty() ? 0 : 1;
}

int cmd_preview(const args& a) {
  a.allow({"out", "epoch", "batch", "threads"});
  pipeline_spec spec = load_spec(a);
  const std::string out = a.get("out");
  if (out.empty()) throw error("preview needs --out FILE.png");
  loader l(spec);
  l.set_epoch(a.number("epoch", 0, std::numeric_limits<std::uint64_t>::max()));
  const auto k = static_cast<long long>(a.number("batch", 0));
  long long i = 0;
  for (const batch& b : l) {
    if (i++ < k) continue;
    detail::write_preview(b, spec, l.classes(), out);
    std::printf("wrote %s (%zu samples)\n", out.c_str(), b.size());
    return 0;
  }
  throw error("the epoch has only " + std::to_string(i) + " batch(es)");
}

int cmd_pack(const args& a) {
  a.allow({"out", "shard-bytes"});
  pipeline_spec spec = load_spec(a);
  const std::string out = a.get("out");
  if (out.empty()) throw error("pack needs --out DIR");
  const std::uint64_t shard_bytes = a.number("shard-bytes", std::uint64_t{1} << 30);
  if (shard_bytes == 0) throw error("--shard-bytes must be positive");
  const bool tty = isatty(STDERR_FILENO);
  auto progress = [&](std::size_t done, std::size_t total) {
    if (tty) std::fprintf(stderr, "\rpacked %zu/%zu samples", done, total);
  };
  const auto r = detail::pack_dataset(spec, out, shard_bytes, progress);
  if (tty) std::fprintf(stderr, "\n");
  std::printf("%zu samples in %zu shards, %llu bytes, in %s\n", r.samples, r.shards,
              static_cast<unsigned long long>(r.bytes), out.c_str());
  std::printf("\"dataset\": {\"format\": \"webdataset\", \"root\": %s, \"urls\": %s%s}\n",
              detail::json_quote(out).c_str(), detail::json_quote(r.urls).c_str(),
              r.categories ? ", \"categories\": \"categories.json\"" : "");
  return 0;
}

int cmd_make_sample(const args& a) {
  a.allow({"n", "seed"});
  if (a.positional.empty()) throw error("make-sample needs OUT");
  const int n = static_cast<int>(a.number("n", 64, 1 << 20));
  detail::make_sample_dataset(a.positional[0], n, a.number("seed", 0, std::numeric_limits<std::uint64_t>::max()));
  const std::string o = a.positional[0];
  std::printf(
      "wrote %d samples to %s/seg (images, masks, depth, COCO annotations) with the specs %s/seg.json "
      "(segmentation), %s/det.json (COCO detection), %s/depth.json (depth) and %s/gen.json (generation)\n",
      n, o.c_str(), o.c_str(), o.c_str(), o.c_str(), o.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(usage, stderr);
    return 2;
  }
  const std::string cmd = argv[1];
  try {
    if (cmd == "version" || cmd == "--version") {
      std::printf("imgbatch %s\n", std::string(version()).c_str());
      return 0;
    }
    if (cmd == "help" || cmd == "--help" || cmd == "-h") {
      std::fputs(usage, stdout);
      return 0;
    }
    const args a = args::parse(argc, argv, 2);
    if (cmd == "dump") return cmd_dump(a);
    if (cmd == "check") return cmd_check(a);
    if (cmd == "preview") return cmd_preview(a);
    if (cmd == "pack") return cmd_pack(a);
    if (cmd == "make-sample") return cmd_make_sample(a);
    std::fprintf(stderr, "imgbatch: unknown command '%s'\n%s", cmd.c_str(), usage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "imgbatch %s: %s\n", cmd.c_str(), e.what());
    return 2;
  }
}
