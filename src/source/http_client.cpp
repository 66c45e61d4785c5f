#include "source/http_client.hpp"

#include "util/log.hpp"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <thread>

namespace imgbatch::detail {
namespace {

void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Whether an attempt that ended so is worth another.
bool transient(CURLcode rc, long status) {
  if (rc == CURLE_OK) return status >= 500 || status == 408 || status == 429;
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

std::string status_text(long status) {
  switch (status) {
    case 403:
      return "HTTP 403 (forbidden)";
    case 404:
      return "HTTP 404 (not found)";
    case 416:
      return "HTTP 416 (range not satisfiable: the object is shorter than its index says)";
    default:
      return "HTTP " + std::to_string(status);
  }
}

}  // namespace

bool is_http_url(const std::string& name) { return name.starts_with("http://") || name.starts_with("https://"); }

struct http_client::impl {
  http_options opt;
  http_counters* counters;
  CURL* curl = nullptr;
  char errbuf[CURL_ERROR_SIZE] = {};
  // The current attempt's reply.
  const std::function<void(const unsigned char*, std::size_t)>* sink = nullptr;
  std::uint64_t received = 0;
  std::string etag, last_modified;
  std::uint64_t content_length = 0;
  bool have_length = false;
  bool need_partial = false;  // a Range was asked: only a 206 reply's body is the data

  static std::size_t on_body(char* p, std::size_t size, std::size_t n, void* self) {
    auto* me = static_cast<impl*>(self);
    const std::size_t bytes = size * n;
    long status = 0;
    curl_easy_getinfo(me->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 300) return bytes;                  // an error page: not data
    if (me->need_partial && status != 206) return 0;  // the whole object instead of the range asked
    try {
      if (me->sink) (*me->sink)(reinterpret_cast<const unsigned char*>(p), bytes);
    } catch (...) {
      return 0;  // the sink refused: curl stops with CURLE_WRITE_ERROR
    }
    me->received += bytes;
    return bytes;
  }

  static std::size_t on_header(char* p, std::size_t size, std::size_t n, void* self) {
    auto* me = static_cast<impl*>(self);
    const std::size_t bytes = size * n;
    std::string_view h(p, bytes);
    auto value = [&](std::string_view name) -> std::optional<std::string_view> {
      if (h.size() <= name.size() || strncasecmp(h.data(), name.data(), name.size()) != 0) return std::nullopt;
      std::string_view v = h.substr(name.size());
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
      return v;
    };
    if (auto tag = value("etag:")) {
      me->etag.assign(*tag);
    } else if (auto modified = value("last-modified:")) {
      me->last_modified.assign(*modified);
    } else if (auto length = value("content-length:")) {
      me->content_length = std::strtoull(std::string(*length).c_str(), nullptr, 10);
      me->have_length = true;
    }
    return bytes;
  }

  // One request with its retries; `range` "a-b" or empty. Returns the final status.
  long perform(const std::string& url, const std::string& range, bool head,
               const std::function<void(const unsigned char*, std::size_t)>* body,
               const std::function<std::string()>& next_range) {
    double wait = opt.backoff_s;
    std::string current_range = range;
    for (int attempt = 0;; ++attempt) {
      curl_easy_reset(curl);
      curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
      curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
      curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
      curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
      curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::ceil(opt.timeout_s * 1000)));
      // No byte for timeout_s: the transfer fails (libcurl counts this in whole seconds).
      curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(std::ceil(opt.timeout_s))));
      curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &impl::on_body);
      curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
      curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &impl::on_header);
      curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
      if (head) curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
      if (!current_range.empty()) curl_easy_setopt(curl, CURLOPT_RANGE, current_range.c_str());
      need_partial = !current_range.empty();
      errbuf[0] = 0;
      sink = body;
      const std::uint64_t before = received;
      etag.clear();
      last_modified.clear();
      have_length = false;
      counters->requests.fetch_add(1, std::memory_order_relaxed);
      const CURLcode rc = curl_easy_perform(curl);
      counters->bytes.fetch_add(received - before, std::memory_order_relaxed);
      long status = 0;
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
      if (rc == CURLE_OK && status < 300) return status;
      std::string why = rc != CURLE_OK ? std::string(errbuf[0] ? errbuf : curl_easy_strerror(rc)) : status_text(status);
      if (rc == CURLE_WRITE_ERROR) throw http_error(url, "the reply could not be taken: " + why);
      if (!transient(rc, status) || attempt >= opt.retries)
        throw http_error(url, why + (attempt ? " (after " + std::to_string(attempt) + " retries)" : ""));
      counters->retries.fetch_add(1, std::memory_order_relaxed);
      log().info("{}: {}; retrying in {:.3f} s", url, why, wait);
      std::this_thread::sleep_for(std::chrono::duration<double>(wait));
      wait *= 2;
      if (next_range) current_range = next_range();
    }
  }
};

http_client::http_client(http_options options, http_counters* counters) : impl_(std::make_unique<impl>()) {
  init_curl();
  impl_->opt = options;
  impl_->counters = counters;
  impl_->curl = curl_easy_init();
  if (!impl_->curl) throw std::runtime_error("libcurl: cannot create a handle");
}

http_client::~http_client() { curl_easy_cleanup(impl_->curl); }

http_object http_client::head(const std::string& url) {
  impl_->perform(url, "", true, nullptr, {});
  if (!impl_->have_length) throw http_error(url, "the server gives no Content-Length");
  return {impl_->content_length, !impl_->etag.empty() ? impl_->etag : impl_->last_modified};
}

void http_client::get_range(const std::string& url, std::uint64_t offset, std::uint64_t size, unsigned char* out) {
  if (size == 0) return;
  std::uint64_t got = 0;
  const std::function<void(const unsigned char*, std::size_t)> body = [&](const unsigned char* p, std::size_t n) {
    if (got + n > size) throw std::length_error("longer than asked");
    std::memcpy(out + got, p, n);
    got += n;
  };
  auto range_from = [&] { return std::to_string(offset + got) + "-" + std::to_string(offset + size - 1); };
  const long status = impl_->perform(url, range_from(), false, &body, range_from);
  if (status != 206 && !(status == 200 && offset == 0))
    throw http_error(url, "asked for bytes " + range_from() + ", the server replied HTTP " + std::to_string(status) +
                              " without that range");
  if (got != size)
    throw http_error(url, "asked for " + std::to_string(size) + " bytes from byte " + std::to_string(offset) +
                              ", received " + std::to_string(got));
}

void http_client::get_stream(const std::string& url,
                             const std::function<void(const unsigned char*, std::size_t)>& sink) {
  std::uint64_t handed = 0;
  const std::function<void(const unsigned char*, std::size_t)> body = [&](const unsigned char* p, std::size_t n) {
    sink(p, n);
    handed += n;
  };
  auto resume = [&] { return handed ? std::to_string(handed) + "-" : std::string(); };
  impl_->perform(url, "", false, &body, resume);
}

std::unique_ptr<http_client> http_pool::take() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  return std::make_unique<http_client>(options_, &counters);
}

void http_pool::put(std::unique_ptr<http_client> c) {
  if (!c) return;
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(c));
}

}  // namespace imgbatch::detail
