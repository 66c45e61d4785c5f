#pragma once

#include <imgbatch/loader.hpp>
#include <imgbatch/spec.hpp>

#include "dataset/dataset.hpp"
#include "pipeline/batch_buffer.hpp"
#include "source/sample_source.hpp"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace imgbatch::detail {

/// What a quarantine file lists: each file's identity (sample_source::identity) with "reason (stage)".
using quarantine_entries = std::unordered_map<std::string, std::string>;

/// Every bad file a loader meets: logged once, listed for loader_stats, appended to the quarantine
/// file under its identity (sample_source::identity). Counts what the error policy did. Thread-safe.
class fault_log {
 public:
  /// Opens `quarantine` for appending when it is not empty (config_error naming it if it cannot be).
  /// The files `known` lists (the quarantine's own entries) are neither logged nor appended again.
  fault_log(const std::filesystem::path& quarantine, const sample_source& source, const quarantine_entries& known);
  ~fault_log();
  fault_log(const fault_log&) = delete;
  fault_log& operator=(const fault_log&) = delete;

  /// The slot's failure, once per slot failure (sets `s.reported`) and once per file: a warning in the
  /// log, an entry in the list and, unless it was only out of memory, a line in the quarantine file.
  void report(sample_slot& s, error_policy policy) noexcept;

  std::atomic<std::uint64_t> skipped{0}, substituted{0}, batches_dropped{0};

  /// The bad files met so far, in the order met.
  std::vector<bad_file> list() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_set<std::string> seen_;
  std::vector<bad_file> list_;
  std::FILE* quarantine_ = nullptr;
  std::string quarantine_path_;
  const sample_source& source_;
};

/// loader.quarantine resolved against the spec's folder (empty when unset).
std::filesystem::path quarantine_path(const pipeline_spec& spec);
/// One quarantine line, `<file>\t<stage>\t<reason>\n`, with tab, newline, carriage return and backslash
/// in a field escaped as `\t`, `\n`, `\r`, `\\`.
std::string quarantine_line(std::string_view file, std::string_view stage, std::string_view reason);
/// The files a quarantine file lists (the first field of each line, unescaped) with their reason and
/// stage. A missing file lists none; one that is not a regular file or is over 256 MiB is a config_error.
quarantine_entries read_quarantine(const std::filesystem::path& path);
/// A record whose image or target file a quarantine lists: that file's path and its listed reason.
struct listed_file {
  std::string file;
  std::string reason;
};
/// The records of `index` that `listed` names a file of (by identity, or by the absolute path older
/// quarantines wrote), by record id.
std::unordered_map<std::uint64_t, listed_file> find_listed(const dataset& data, const quarantine_entries& listed);

}  // namespace imgbatch::detail
