#pragma once

#include <imgbatch/spec.hpp>

#include <functional>
#include <optional>
#include <string>

namespace imgbatch::detail {

/// Where a process's rank and world size came from.
struct shard {
  int rank = 0;
  int world_size = 1;
  std::string source;  ///< "RANK/WORLD_SIZE", ... or "none found" or "spec"
};

/// Reads an environment variable; nullopt when unset. Replaceable so tests need not touch the process.
using env_lookup = std::function<std::optional<std::string>(const char*)>;

/// The shard for `spec`: its own rank/world_size, or for from_environment the first launcher pair that
/// is set (torchrun, Open MPI, PMI, Slurm), else rank 0 of 1. Throws config_error naming the variable
/// when a value is not a number, only one of a pair is set, or the rank is out of range.
shard resolve_shard(const sampler_spec& spec, const env_lookup& getenv);
/// The same with the process's environment.
shard resolve_shard(const sampler_spec& spec);

}  // namespace imgbatch::detail
