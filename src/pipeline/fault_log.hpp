#pragma once

#include <imgbatch/loader.hpp>
#include <imgbatch/spec.hpp>

#include "dataset/dataset.hpp"
#include "pipeline/batch_buffer.hpp"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

namespace imgbatch::detail {

/// Every bad file a loader meets: logged once, listed for loader_stats, appended to the quarantine
/// file. Counts what the error policy did. Thread-safe.
class fault_log {
 public:
  /// Opens `quarantine` for appending when it is not empty (config_error naming it if it cannot be).
  explicit fault_log(const std::filesystem::path& quarantine);
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
};

/// loader.quarantine resolved against the spec's folder (empty when unset).
std::filesystem::path quarantine_path(const pipeline_spec& spec);
/// One quarantine line, `<file>\t<stage>\t<reason>\n`, with tab, newline, carriage return and backslash
/// in a field escaped as `\t`, `\n`, `\r`, `\\`.
std::string quarantine_line(std::string_view file, std::string_view stage, std::string_view reason);
/// The files a quarantine file lists (the first field of each line, unescaped). A missing file lists
/// none; an unreadable one is a config_error.
std::unordered_set<std::string> read_quarantine(const std::filesystem::path& path);
/// Leaves out of `index` every record whose image or target file `listed` names; renumbers the ids.
/// Returns how many were left out.
std::size_t exclude_listed(dataset_index& index, const std::unordered_set<std::string>& listed);

}  // namespace imgbatch::detail
