#pragma once

#include "dataset/dataset.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace imgbatch::detail {

/// How much a read may bring in, and the growth hint its buffers share (see util/file.hpp read_file).
struct read_limits {
  std::uint64_t max_bytes = std::uint64_t{1} << 30;
  std::atomic<std::size_t>* largest = nullptr;
};

/// Where a dataset's bytes live: files on a disk, members of tar shards, objects on a server. The index
/// says which files a sample has (sample_record::files); the source reads them into buffers the loader
/// owns and says what a file is, whatever the working directory or the spelling of the spec's paths.
/// The stages, the targets and the sampler never see which source it is. Thread-safe: every worker
/// reads through the same source at once.
class sample_source {
 public:
  virtual ~sample_source() = default;

  /// Reads `record`'s file of role `role` into `out` (resized to its bytes, capacity reused). Returns an
  /// empty string, or the reason it cannot be read, without the file's name (the caller names it).
  std::string read(const sample_record& record, file_role role, std::vector<std::uint8_t>& out,
                   const read_limits& limits) const {
    const sample_file* f = record.find(role);
    if (!f) return "the sample has no " + std::string(role_name(role)) + " file";
    return fetch(record, *f, out, limits);
  }
  /// Reads file `f` of `record`, as read() does.
  virtual std::string fetch(const sample_record& record, const sample_file& f, std::vector<std::uint8_t>& out,
                            const read_limits& limits) const = 0;

  /// A pass will read the files of these records, in this order (`lag`: how many samples the workers
  /// may have in progress at once): a source that reads ahead starts on them. Until end_pass.
  virtual void begin_pass(const dataset_index& /*index*/, std::span<const std::uint64_t> /*ids*/,
                          std::size_t /*lag*/) const {}
  virtual void end_pass() const {}

  /// A file's identity, from its display id (sample_file::name, or a file a message named): the same
  /// however the dataset is reached (a path from the dataset's root, a shard's name and the member in
  /// it). The quarantine and the dataset hash key on it.
  virtual std::string identity(const std::string& name) const = 0;

  /// What the source did on the network and with its cache (zeros for local files).
  struct io_counts {
    std::uint64_t requests = 0, retries = 0, bytes = 0, index_cache_hits = 0;
  };
  virtual io_counts io() const { return {}; }
};

}  // namespace imgbatch::detail
