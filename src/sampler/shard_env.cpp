#include "sampler/shard_env.hpp"

#include <imgbatch/error.hpp>

#include <charconv>
#include <cstdlib>

namespace imgbatch::detail {
namespace {

struct launcher_vars {
  const char* rank;
  const char* size;
};

// The order a demanding user expects: torchrun's own variables first (it may run under Slurm or MPI,
// whose variables then describe the allocation, not the training processes).
constexpr launcher_vars launchers[] = {
    {"RANK", "WORLD_SIZE"},
    {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"},
    {"PMI_RANK", "PMI_SIZE"},
    {"SLURM_PROCID", "SLURM_NTASKS"},
};

int parse_count(const char* name, const std::string& text, int lo) {
  int v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end || v < lo)
    throw config_error("sampler.rank", std::string("environment variable ") + name + "=\"" + text + "\" is not " +
                                           (lo == 0 ? "a non-negative" : "a positive") + " integer");
  return v;
}

}  // namespace

shard resolve_shard(const sampler_spec& spec, const env_lookup& getenv) {
  if (spec.rank != from_environment) return {spec.rank, spec.world_size, "spec"};
  for (const auto& l : launchers) {
    auto rank = getenv(l.rank), size = getenv(l.size);
    if (!rank && !size) continue;
    if (!rank || !size)
      throw config_error("sampler.rank", std::string("\"auto\" found ") + (rank ? l.rank : l.size) + " set but not " +
                                             (rank ? l.size : l.rank));
    shard s{parse_count(l.rank, *rank, 0), parse_count(l.size, *size, 1), std::string(l.rank) + "/" + l.size};
    if (s.rank >= s.world_size)
      throw config_error("sampler.rank", std::string(l.rank) + "=" + *rank + " is not below " + l.size + "=" + *size);
    return s;
  }
  return {0, 1, "none found"};
}

shard resolve_shard(const sampler_spec& spec) {
  return resolve_shard(spec, [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (!v) return std::nullopt;
    return std::string(v);
  });
}

}  // namespace imgbatch::detail
