#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace imgbatch::detail {

/// A request that failed for good (after its retries): the URL and the reason.
class http_error : public std::runtime_error {
 public:
  http_error(const std::string& url, const std::string& reason) : std::runtime_error(url + ": " + reason) {}
};

struct http_options {
  int retries = 5;         ///< attempts after the first, for 5xx, 408, 429, dropped connections, timeouts
  double timeout_s = 30;   ///< to connect, and the longest time without a byte
  double backoff_s = 0.2;  ///< before the first retry, doubled each time
};

/// What the requests of one source did, for loader_stats.
struct http_counters {
  std::atomic<std::uint64_t> requests{0}, retries{0}, bytes{0};
};

/// What a HEAD request says of an object.
struct http_object {
  std::uint64_t size = 0;
  std::string version;  ///< its ETag, else its Last-Modified, else empty
};

/// HTTP(S) through libcurl: one connection kept per client (reused from request to request), retries
/// with exponential backoff, every wait bounded. One thread at a time per client.
class http_client {
 public:
  http_client(http_options options, http_counters* counters);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  http_object head(const std::string& url);
  /// `size` bytes from `offset` (a Range request; the reply must be those bytes).
  void get_range(const std::string& url, std::uint64_t offset, std::uint64_t size, unsigned char* out);
  /// The whole object, handed to `sink` as it arrives; a retry resumes from the first byte not yet
  /// handed (a Range request), so the sink sees every byte once, in order.
  void get_stream(const std::string& url, const std::function<void(const unsigned char*, std::size_t)>& sink);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Clients for the threads of one source: each request borrows one.
class http_pool {
 public:
  http_pool(http_options options) : options_(options) {}
  template <class F>
  auto with(F&& f) {
    std::unique_ptr<http_client> c = take();
    struct give_back {
      http_pool& pool;
      std::unique_ptr<http_client>& c;
      ~give_back() { pool.put(std::move(c)); }
    } back{*this, c};
    return f(*c);
  }
  http_counters counters;

 private:
  std::unique_ptr<http_client> take();
  void put(std::unique_ptr<http_client> c);
  http_options options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<http_client>> idle_;
};

/// Whether a shard name is a URL this client reads (http:// or https://).
bool is_http_url(const std::string& name);

}  // namespace imgbatch::detail
