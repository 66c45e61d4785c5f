#include "source/shard_index.hpp"

#include "util/file.hpp"
#include "util/log.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace imgbatch::detail {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view magic = "imgbatch shard index 1\n";

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void put_text(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s);
}

// Reads what put_* wrote; any read past the end makes the whole index unreadable.
struct reader {
  std::string_view in;
  bool ok = true;
  std::uint64_t u64() {
    if (in.size() < 8) return ok = false, 0;
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
    in.remove_prefix(8);
    return v;
  }
  std::string_view text() {
    const std::uint64_t n = u64();
    if (!ok || n > in.size()) return ok = false, std::string_view();
    std::string_view s = in.substr(0, n);
    in.remove_prefix(n);
    return s;
  }
};

}  // namespace

fs::path cache_dir(const fs::path& configured, const fs::path& base_dir) {
  if (!configured.empty())
    return configured.is_absolute() ? configured : (base_dir.empty() ? "." : base_dir) / configured;
  if (const char* d = std::getenv("IMGBATCH_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "imgbatch";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "imgbatch";
  return fs::temp_directory_path() / "imgbatch-cache";
}

fs::path shard_index_cache::file_of(const std::string& identity) const {
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.idx", static_cast<unsigned long long>(fnv1a(identity)));
  return dir_ / "shard-index" / name;
}

std::optional<shard_listing> shard_index_cache::load(const std::string& identity, const shard_stamp* stamp) const {
  const fs::path file = file_of(identity);
  std::string bytes;
  if (!read_metadata(file.string(), std::uint64_t{1} << 32, "4 GiB for a shard index", bytes).empty())
    return std::nullopt;
  if (!std::string_view(bytes).starts_with(magic)) return std::nullopt;
  reader r{std::string_view(bytes).substr(magic.size())};
  if (r.text() != identity) return std::nullopt;  // another shard's (a hash collision)
  const std::uint64_t size = r.u64();
  const std::string_view version = r.text();
  if (!r.ok || (stamp && (size != stamp->size || version != stamp->version))) return std::nullopt;
  shard_listing out;
  const std::uint64_t count = r.u64();
  if (!r.ok || count > bytes.size() / 32) return std::nullopt;
  out.members.resize(count);
  out.kept.resize(count);
  for (std::uint64_t i = 0; i < count && r.ok; ++i) {
    out.members[i].name = r.text();
    out.members[i].offset = r.u64();
    out.members[i].size = r.u64();
    out.kept[i] = r.text();
  }
  if (!r.ok || !r.in.empty()) {
    log().info("{}: a damaged shard index, made anew", file.string());
    return std::nullopt;
  }
  return out;
}

void shard_index_cache::store(const std::string& identity, const shard_stamp& stamp,
                              const shard_listing& listing) const {
  if (!listing.damage.empty()) return;
  std::string out(magic);
  put_text(out, identity);
  put_u64(out, stamp.size);
  put_text(out, stamp.version);
  put_u64(out, listing.members.size());
  for (std::size_t i = 0; i < listing.members.size(); ++i) {
    put_text(out, listing.members[i].name);
    put_u64(out, listing.members[i].offset);
    put_u64(out, listing.members[i].size);
    put_text(out, listing.kept[i]);
  }
  const fs::path file = file_of(identity);
  const fs::path tmp = file.string() + "." + std::to_string(::getpid()) + ".tmp";
  try {
    fs::create_directories(file.parent_path());
    write_file(tmp.string(), out.data(), out.size());
    fs::rename(tmp, file);
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove(tmp, ec);
    log().warn("cannot keep the index of {} in {}: {}", identity, dir_.string(), e.what());
  }
}

}  // namespace imgbatch::detail
