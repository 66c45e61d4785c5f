#include "source/tar_source.hpp"

#include <imgbatch/error.hpp>

#include "source/tar_stream.hpp"
#include "util/clip.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace imgbatch::detail {

tar_source::tar_source(std::vector<shard> shards, http_options http, std::uint64_t read_ahead_bytes, int max_requests)
    : shards_(std::move(shards)),
      http_(std::make_unique<http_pool>(http)),
      http_options_(http),
      read_ahead_bytes_(read_ahead_bytes),
      max_requests_(max_requests),
      pid_(::getpid()) {
  fds_.reserve(shards_.size());
  for (std::uint32_t k = 0; k < shards_.size(); ++k) {
    by_location_.emplace(shards_[k].location, k);
    if (is_http_url(shards_[k].location)) {
      fds_.push_back(-1);
      continue;
    }
    const int fd = ::open(shards_[k].location.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const std::string why = std::strerror(errno);
      for (int f : fds_)
        if (f >= 0) ::close(f);
      throw dataset_error(shards_[k].location + ": cannot open the shard: " + why);
    }
    fds_.push_back(fd);
  }
  if (std::find(fds_.begin(), fds_.end(), -1) != fds_.end()) {
    std::vector<std::string> urls;
    for (std::uint32_t k = 0; k < shards_.size(); ++k) urls.push_back(remote(k) ? shards_[k].location : "");
    ahead_ =
        std::make_unique<read_ahead>(std::move(urls), http_options_, http_->counters, read_ahead_bytes_, max_requests_);
  }
}

tar_source::~tar_source() {
  for (int f : fds_)
    if (f >= 0) ::close(f);
  if (::getpid() != pid_.load()) {
    (void)ahead_.release();  // its thread is the parent's: joining it would wait forever
    (void)http_.release();
  }
}

void tar_source::check_fork() const {
  const int now = ::getpid();
  if (pid_.load(std::memory_order_relaxed) == now) return;
  // A forked child runs its stages on one thread, so nothing else is inside this source here.
  (void)ahead_.release();
  (void)http_.release();
  http_ = std::make_unique<http_pool>(http_options_);
  if (std::find(fds_.begin(), fds_.end(), -1) != fds_.end()) {
    std::vector<std::string> urls;
    for (std::uint32_t k = 0; k < shards_.size(); ++k) urls.push_back(remote(k) ? shards_[k].location : "");
    ahead_ =
        std::make_unique<read_ahead>(std::move(urls), http_options_, http_->counters, read_ahead_bytes_, max_requests_);
  }
  pid_.store(now);
}

void tar_source::begin_pass(const dataset_index& index, std::span<const std::uint64_t> ids, std::size_t lag) const {
  check_fork();
  if (!ahead_) return;
  // One range per sample: its files other than the annotations (read while indexing), when they are all
  // in one remote shard.
  std::vector<planned_read> plan;
  plan.reserve(ids.size());
  for (const std::uint64_t id : ids) {
    const sample_record& r = index.records[static_cast<std::size_t>(id)];
    planned_read p;
    p.record = id;
    std::uint64_t end = 0;
    std::uint32_t parts = 0;
    bool one_shard = true;
    for (const sample_file& f : r.files) {
      if (f.role == file_role::annotations) continue;
      if (parts == 0) {
        p.shard = f.at.container;
        p.offset = f.at.offset;
      } else if (f.at.container != p.shard) {
        one_shard = false;
      }
      p.offset = std::min(p.offset, f.at.offset);
      end = std::max(end, f.at.offset + f.at.size);
      ++parts;
    }
    if (!one_shard || parts == 0 || p.shard >= shards_.size() || !remote(p.shard)) continue;
    p.size = end - p.offset;
    p.parts = parts;
    plan.push_back(p);
  }
  ahead_->start(std::move(plan), lag, index.records.size());
}

void tar_source::end_pass() const {
  if (ahead_ && pid_.load() == ::getpid()) ahead_->stop();
}

std::string tar_source::read_at(std::uint32_t k, std::uint64_t offset, std::uint64_t size, void* out) const {
  if (remote(k)) {
    check_fork();
    try {
      http_->with([&](http_client& c) {
        c.get_range(shards_[k].location, offset, size, static_cast<unsigned char*>(out));
        return 0;
      });
    } catch (const http_error& e) {
      return e.what();  // names the URL; the caller names the member
    }
    return {};
  }
  auto* p = static_cast<char*>(out);
  std::uint64_t done = 0;
  while (done < size) {
    const ssize_t n =
        ::pread(fds_[k], p + done, static_cast<std::size_t>(size - done), static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::strerror(errno);
    }
    if (n == 0)
      return "the shard ends at byte " + std::to_string(offset + done) + ", before the member's " +
             std::to_string(size) + " bytes from byte " + std::to_string(offset) +
             " (truncated, or changed since it was indexed)";
    done += static_cast<std::uint64_t>(n);
  }
  return {};
}

std::string tar_source::fetch(const sample_record& record, const sample_file& f, std::vector<std::uint8_t>& out,
                              const read_limits& limits) const {
  check_fork();
  if (f.at.container >= shards_.size()) return "internal: the member's shard is not in the source";
  if (f.at.size > limits.max_bytes)
    return "the member is " + std::to_string(f.at.size) + " bytes, more than decode.max_file_bytes (" +
           std::to_string(limits.max_bytes) + ")";
  const auto size = static_cast<std::size_t>(f.at.size);
  if (limits.largest) {
    const std::size_t want = std::max(size, limits.largest->load(std::memory_order_relaxed));
    if (out.capacity() < want) out.reserve(want);
    std::size_t seen = limits.largest->load(std::memory_order_relaxed);
    while (seen < size && !limits.largest->compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
    }
  }
  if (ahead_ && remote(f.at.container)) {
    std::string error;
    if (ahead_->take(record.id, f.at.container, f.at.offset, f.at.size, out, error)) return error;
  }
  out.resize(size);
  return read_at(f.at.container, f.at.offset, f.at.size, out.data());
}

std::string tar_source::identity(const std::string& name) const {
  // "<shard>#<member>": the shard is the prefix before one of the '#' (a path may hold '#' itself).
  for (std::size_t hash = name.find('#'); hash != std::string::npos; hash = name.find('#', hash + 1))
    if (auto it = by_location_.find(name.substr(0, hash)); it != by_location_.end())
      return shards_[it->second].identity + name.substr(hash);
  return name;
}

sample_source::io_counts tar_source::io() const {
  const http_counters& c = http_->counters;
  return {c.requests.load(std::memory_order_relaxed), c.retries.load(std::memory_order_relaxed),
          c.bytes.load(std::memory_order_relaxed), index_cache_hits_.load(std::memory_order_relaxed)};
}

shard_stamp tar_source::stamp(std::uint32_t k) const {
  if (remote(k)) {
    try {
      const http_object o = http_->with([&](http_client& c) { return c.head(shards_[k].location); });
      return {o.size, o.version};
    } catch (const http_error& e) {
      throw dataset_error(std::string(e.what()));
    }
  }
  struct stat st {};
  if (::fstat(fds_[k], &st) != 0) throw dataset_error(shards_[k].location + ": " + std::strerror(errno));
  return {static_cast<std::uint64_t>(st.st_size),
          std::to_string(static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000LL + st.st_mtim.tv_nsec)};
}

shard_listing tar_source::list(std::uint32_t k, const std::function<bool(const std::string&)>& keep) const {
  return remote(k) ? list_remote(k, keep) : list_local(k, keep);
}

shard_listing tar_source::list_local(std::uint32_t k, const std::function<bool(const std::string&)>& keep) const {
  const std::string& where_from = shards_[k].location;
  const std::uint64_t bytes = stamp(k).size;
  shard_listing out;
  tar_walker walker;
  unsigned char header[tar_walker::block];
  std::string meta;
  std::uint64_t pos = 0;
  auto where = [&] {
    return out.members.empty() ? std::string("at its start") : "after member " + clipped(out.members.back().name);
  };
  for (;;) {
    if (pos + tar_walker::block > bytes) {
      if (pos < bytes)
        out.damage = "truncated " + where() + ": a header at byte " + std::to_string(pos) + " runs past its end (" +
                     std::to_string(bytes) + " bytes)";
      break;  // (no end-of-archive blocks: the members so far are whole)
    }
    if (auto why = read_at(k, pos, tar_walker::block, header); !why.empty())
      throw dataset_error(where_from + ": " + why);
    tar_walker::step step;
    try {
      step = walker.header(header, pos);
    } catch (const tar_error& e) {
      out.damage = std::string(e.what()) + " " + where();
      break;
    }
    if (step == tar_walker::step::end) break;
    const std::uint64_t size = walker.data_size(), data = pos + tar_walker::block;
    if (data + size > bytes) {
      out.damage =
          (step == tar_walker::step::member ? "member " + clipped(walker.member().name) : "an entry " + where()) +
          ": truncated: its " + std::to_string(size) + " bytes from byte " + std::to_string(data) +
          " run past the shard's end (" + std::to_string(bytes) + " bytes)";
      break;
    }
    if (step == tar_walker::step::metadata) {
      meta.resize(static_cast<std::size_t>(size));
      if (auto why = read_at(k, data, size, meta.data()); !why.empty()) throw dataset_error(where_from + ": " + why);
      try {
        walker.metadata(meta);
      } catch (const tar_error& e) {
        out.damage = std::string(e.what()) + " " + where();
        break;
      }
    } else if (step == tar_walker::step::member) {
      out.members.push_back(walker.member());
      out.kept.emplace_back();
      if (keep(walker.member().name)) {
        std::string& b = out.kept.back();
        b.resize(static_cast<std::size_t>(size));
        if (auto why = read_at(k, data, size, b.data()); !why.empty()) throw dataset_error(where_from + ": " + why);
      }
    }
    pos = data + tar_walker::padded(size);
  }
  return out;
}

shard_listing tar_source::list_remote(std::uint32_t k, const std::function<bool(const std::string&)>& keep) const {
  const std::string& url = shards_[k].location;
  shard_listing out;
  tar_stream stream;
  bool keeping = false;
  stream.on_member = [&](const tar_member& m) {
    out.members.push_back(m);
    out.kept.emplace_back();
    keeping = keep(m.name);
    if (keeping) out.kept.back().reserve(static_cast<std::size_t>(m.size));
  };
  stream.on_data = [&](const tar_member&, const unsigned char* p, std::size_t n) {
    if (keeping) out.kept.back().append(reinterpret_cast<const char*>(p), n);
  };
  std::string damage, tar_fault;
  try {
    http_->with([&](http_client& c) {
      c.get_stream(url, [&](const unsigned char* p, std::size_t n) {
        if (stream.ended()) return;
        try {
          stream.feed(p, n);
        } catch (const tar_error& e) {
          tar_fault = std::string(e.what()) + " " + stream.where();
          throw;
        }
      });
      return 0;
    });
  } catch (const http_error& e) {
    if (!tar_fault.empty()) damage = tar_fault;
    else if (stream.position() == 0) throw dataset_error(std::string(e.what()));
    else damage = std::string(e.what()) + ", " + stream.where();
  }
  if (damage.empty() && !stream.ended() && !stream.between_entries())
    damage = "truncated " + stream.where() + ": the shard ends at byte " + std::to_string(stream.position());
  if (!damage.empty() && stream.in_member()) {
    out.members.pop_back();  // its bytes did not all arrive
    out.kept.pop_back();
  }
  out.damage = damage;
  return out;
}

}  // namespace imgbatch::detail
