#include "sources.hpp"

#include <imgbatch/imgbatch.hpp>

#include "cli/pack.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

extern char** environ;

namespace imgbatch::bench {
namespace fs = std::filesystem;


namespace {

int free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(s);
  return port;
}

bool listens(int port) {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

// nginx serving `root` on 127.0.0.1, every file of it under `dir`; stopped when destroyed.
class nginx {
 public:
  nginx(const fs::path& root, const fs::path& dir) {
    const char* binary = fs::exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : nullptr;
    if (!binary) throw std::runtime_error("nginx is not installed (Debian nginx-light)");
    port_ = free_port();
    fs::create_directories(dir / "logs");
    std::ofstream(dir / "nginx.conf") << "daemon off; master_process off; worker_processes 1;\n"
                                      << "pid " << (dir / "nginx.pid").string() << ";\nerror_log stderr error;\n"
                                      << "events { worker_connections 256; }\nhttp { access_log off; sendfile on; tcp_nopush on;\n"
                                      << "  client_body_temp_path " << (dir / "body").string() << ";\n"
                                      << "  proxy_temp_path " << (dir / "proxy").string() << ";\n"
                                      << "  fastcgi_temp_path " << (dir / "fastcgi").string() << ";\n"
                                      << "  uwsgi_temp_path " << (dir / "uwsgi").string() << ";\n"
                                      << "  scgi_temp_path " << (dir / "scgi").string() << ";\n"
                                      << "  server { listen 127.0.0.1:" << port_ << "; root " << root.string()
                                      << "; location / { } } }\n";
    const std::string p = dir.string(), c = (dir / "nginx.conf").string();
    const char* args[] = {binary, "-p", p.c_str(), "-c", c.c_str(), "-e", "stderr", nullptr};
    if (::posix_spawn(&pid_, binary, nullptr, nullptr, const_cast<char**>(args), environ) != 0)
      throw std::runtime_error("cannot start nginx");
    for (int i = 0; i < 500 && !listens(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!listens(port_)) throw std::runtime_error("nginx does not listen on 127.0.0.1:" + std::to_string(port_));
  }
  ~nginx() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
};

double epoch_rate(loader& l, std::uint64_t e) {
  l.set_epoch(e);
  std::size_t n = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (const batch& b : l) n += b.size();
  return static_cast<double>(n) / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

std::vector<source_rate> run_sources(const pipeline_spec& spec, const std::string& list, int epochs) {
  std::vector<std::string> names;
  for (std::size_t at = 0; at <= list.size();) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    if (comma > at) names.push_back(list.substr(at, comma - at));
    at = comma + 1;
  }
  const fs::path tmp = fs::temp_directory_path() / ("imgbatch-bench-sources-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  struct cleanup {
    fs::path p;
    ~cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } clean{tmp};
  std::string urls;
  bool categories = false;
  auto shard_spec = [&](const std::string& base) {
    pipeline_spec s = spec;
    s.dataset = dataset_spec{};
    s.dataset.format = dataset_format::webdataset;
    s.dataset.root = tmp / "shards";
    s.dataset.urls = {base + urls};
    if (categories) s.dataset.categories = tmp / "shards" / "categories.json";
    s.dataset.category_labels = spec.dataset.category_labels;
    s.dataset.crowd = spec.dataset.crowd;
    s.io.cache_dir = tmp / "cache";
    return s;
  };
  std::unique_ptr<nginx> server;
  std::vector<source_rate> out;
  std::vector<std::unique_ptr<loader>> loaders;
  for (const std::string& name : names) {
    source_rate r;
    r.name = name;
    try {
      if (name != "folder" && urls.empty()) {
        const auto report = imgbatch::detail::pack_dataset(spec, (tmp / "shards").string(), 64u << 20, nullptr);
        urls = report.urls;
        categories = report.categories;
      }
      if (name == "folder") {
        loaders.push_back(std::make_unique<loader>(spec));
      } else if (name == "shards") {
        loaders.push_back(std::make_unique<loader>(shard_spec("")));
      } else if (name == "http") {
        if (!server) server = std::make_unique<nginx>(tmp / "shards", tmp / "nginx");
        loaders.push_back(std::make_unique<loader>(shard_spec(server->url() + "/")));
      } else {
        throw std::runtime_error("unknown source (folder, shards, http)");
      }
    } catch (const std::exception& e) {
      r.note = e.what();
      loaders.push_back(nullptr);
    }
    out.push_back(r);
  }
  for (std::size_t i = 0; i < loaders.size(); ++i)
    if (loaders[i]) epoch_rate(*loaders[i], 0);  // warm-up: page cache, index, buffers
  for (int e = 1; e <= epochs; ++e)
    for (std::size_t i = 0; i < loaders.size(); ++i)
      if (loaders[i]) out[i].epochs.push_back(epoch_rate(*loaders[i], static_cast<std::uint64_t>(e)));
  for (source_rate& r : out) r.images_per_s = median(r.epochs);
  return out;
}

}  // namespace imgbatch::bench
