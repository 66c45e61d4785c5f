#include "encode/tar_writer.hpp"

#include <imgbatch/error.hpp>

#include <cerrno>
#include <cstring>
#include <utility>

namespace imgbatch::detail {

tar_writer::tar_writer(std::string path) : path_(std::move(path)) {
  f_ = std::fopen(path_.c_str(), "wb");
  if (!f_) throw error(path_ + ": cannot create: " + std::strerror(errno));
}

tar_writer::~tar_writer() {
  if (f_) std::fclose(f_);
}

void tar_writer::write(const void* data, std::size_t size) {
  if (size && std::fwrite(data, 1, size, f_) != size) throw error(path_ + ": cannot write: " + std::strerror(errno));
  written_ += size;
}

void tar_writer::header(std::string_view name, std::uint64_t size, char type) {
  unsigned char h[512] = {};
  std::memcpy(h, name.data(), std::min<std::size_t>(name.size(), 100));
  std::memcpy(h + 100, "0000644", 8);
  std::memcpy(h + 108, "0000000", 8);
  std::memcpy(h + 116, "0000000", 8);
  std::snprintf(reinterpret_cast<char*>(h + 124), 12, "%011llo", static_cast<unsigned long long>(size));
  std::memcpy(h + 136, "00000000000", 12);
  h[156] = static_cast<unsigned char>(type);
  std::memcpy(h + 257,
              "ustar\0"
              "00",
              8);
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(reinterpret_cast<char*>(h + 148), 8, "%06o", sum);
  write(h, sizeof h);
}

void tar_writer::add(std::string_view name, const void* data, std::size_t size) {
  if (size > 077777777777ull) throw error(path_ + ": a member of " + std::to_string(size) + " bytes is too large");
  static const unsigned char zeros[512] = {};
  if (name.size() > 100) {
    // A pax header: "<len> path=<name>\n", the length counting itself.
    const std::string body = " path=" + std::string(name) + "\n";
    std::size_t len = body.size() + 1;
    while (std::to_string(len).size() + body.size() != len) ++len;
    const std::string rec = std::to_string(len) + body;
    header("././@PaxHeader", rec.size(), 'x');
    write(rec.data(), rec.size());
    write(zeros, (512 - rec.size() % 512) % 512);
  }
  header(name, size, '0');
  write(data, size);
  write(zeros, (512 - size % 512) % 512);
}

void tar_writer::close() {
  static const unsigned char zeros[1024] = {};
  write(zeros, sizeof zeros);
  if (std::fclose(std::exchange(f_, nullptr)) != 0) throw error(path_ + ": cannot write: " + std::strerror(errno));
}

}  // namespace imgbatch::detail
