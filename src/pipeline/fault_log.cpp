#include "pipeline/fault_log.hpp"

#include <imgbatch/error.hpp>

#include "util/file.hpp"
#include "util/log.hpp"

#include <cerrno>
#include <cstring>
#include <new>

namespace imgbatch::detail {
namespace {

void escape_into(std::string& out, std::string_view field) {
  for (char c : field) {
    switch (c) {
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        out += c;
    }
  }
}

std::string unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\' || i + 1 == field.size()) {
      out += field[i];
      continue;
    }
    const char n = field[++i];
    out += n == 't' ? '\t' : n == 'n' ? '\n' : n == 'r' ? '\r' : n;
  }
  return out;
}

bool out_of_memory(const std::exception_ptr& e) noexcept {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const std::bad_alloc&) {
    return true;
  } catch (...) {
    return false;
  }
}

const char* action(error_policy p) noexcept {
  switch (p) {
    case error_policy::fail:
      return "the pass stops";
    case error_policy::skip:
      return "skipped";
    case error_policy::substitute:
      return "substituted";
  }
  return "";
}

}  // namespace

std::filesystem::path quarantine_path(const pipeline_spec& spec) {
  const std::filesystem::path& q = spec.loader.quarantine;
  if (q.empty() || q.is_absolute() || spec.base_dir.empty()) return q;
  return spec.base_dir / q;
}

std::string quarantine_line(std::string_view file, std::string_view stage, std::string_view reason) {
  std::string line;
  line.reserve(file.size() + stage.size() + reason.size() + 4);
  escape_into(line, file);
  line += '\t';
  escape_into(line, stage);
  line += '\t';
  escape_into(line, reason);
  line += '\n';
  return line;
}

quarantine_entries read_quarantine(const std::filesystem::path& path) {
  quarantine_entries listed;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return listed;
  // A fixed limit (the quarantine cannot bound itself): /dev/zero named as the quarantine is refused
  // instead of read until memory runs out, and a FIFO instead of waited on.
  constexpr std::uint64_t max_quarantine_bytes = 256u << 20;
  std::string text;
  if (auto why = read_metadata(path.string(), max_quarantine_bytes, "256 MiB for a quarantine", text); !why.empty())
    throw config_error("loader.quarantine", "cannot read " + path.string() + ": " + why);
  for_each_line(text, [&](std::string_view line, std::size_t) {
    if (line.empty() || line.front() == '#') return;
    const std::size_t tab1 = line.find('\t');
    const std::size_t tab2 = tab1 == std::string_view::npos ? tab1 : line.find('\t', tab1 + 1);
    std::string file = unescape(line.substr(0, tab1));
    std::string stage =
        tab1 == std::string_view::npos ? std::string() : unescape(line.substr(tab1 + 1, tab2 - tab1 - 1));
    std::string reason = tab2 == std::string_view::npos ? std::string() : unescape(line.substr(tab2 + 1));
    listed.emplace(std::move(file), stage.empty() ? reason : reason + " (" + stage + ")");
  });
  return listed;
}

std::unordered_map<std::uint64_t, listed_file> find_listed(const dataset& data, const quarantine_entries& listed) {
  const sample_source& source = *data.source;
  std::unordered_map<std::uint64_t, listed_file> out;
  if (listed.empty()) return out;
  // Entries that are absolute paths (as quarantines written before identities were) are matched by theirs.
  quarantine_entries by_id;
  for (const auto& [file, reason] : listed)
    if (std::filesystem::path(file).is_absolute()) by_id.emplace(source.identity(file), reason);
  auto find = [&](const std::string& path) -> const std::string* {
    const std::string id = source.identity(path);
    if (auto it = listed.find(id); it != listed.end()) return &it->second;
    if (auto it = by_id.find(id); it != by_id.end()) return &it->second;
    return nullptr;
  };
  for (const sample_record& r : data.index.records) {
    for (const sample_file& f : r.files)
      if (const std::string* why = find(f.name)) {
        out.emplace(r.id, listed_file{f.name, *why});
        break;
      }
  }
  return out;
}

fault_log::fault_log(const std::filesystem::path& quarantine, const sample_source& source,
                     const quarantine_entries& known)
    : source_(source) {
  for (const auto& entry : known) seen_.insert(entry.first);
  if (quarantine.empty()) return;
  quarantine_path_ = quarantine.string();
  quarantine_ = std::fopen(quarantine_path_.c_str(), "a");
  if (!quarantine_)
    throw config_error("loader.quarantine", "cannot open " + quarantine_path_ + " to append: " + std::strerror(errno));
}

fault_log::~fault_log() {
  if (quarantine_) std::fclose(quarantine_);
}

void fault_log::report(sample_slot& s, error_policy policy) noexcept {
  if (!s.failed || s.reported) return;
  s.reported = true;
  if (s.misfit) {  // a good file in the wrong batch: not a bad file
    log().debug("{}: {} ({})", s.error_file, s.error_reason, stage_name(s.stage));
    return;
  }
  try {
    std::string id = source_.identity(s.error_file);
    std::lock_guard lock(mutex_);
    if (!seen_.insert(id).second) return;
    const char* stage = stage_name(s.stage);
    list_.push_back({s.error_file, stage, s.error_reason});
    log().warn("{}: {} ({}); {}", s.error_file, s.error_reason, stage, action(policy));
    // A file is not bad for the memory its process lacked: it stays out of the quarantine.
    if (quarantine_ && !out_of_memory(s.cause)) {
      const std::string line = quarantine_line(id, stage, s.error_reason);
      if (std::fwrite(line.data(), 1, line.size(), quarantine_) != line.size() || std::fflush(quarantine_) != 0)
        log().error("loader.quarantine: cannot write to {}: {}", quarantine_path_, std::strerror(errno));
    }
  } catch (...) {
    // Out of memory while recording it: the failure itself still reaches the batch or the policy.
  }
}

std::vector<bad_file> fault_log::list() const {
  std::lock_guard lock(mutex_);
  return list_;
}

}  // namespace imgbatch::detail
