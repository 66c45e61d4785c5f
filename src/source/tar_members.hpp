#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace imgbatch::detail {

/// A tar archive that cannot be walked: the reason (the caller names the shard).
class tar_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One regular file of a tar archive: its name (GNU long names and pax paths applied), where its bytes
/// start in the archive and how many there are.
struct tar_member {
  std::string name;
  std::uint64_t offset = 0, size = 0;
};

/// Walks a tar archive's headers in order, as GNU tar and Python's tarfile write them (ustar, GNU long
/// names, pax extended headers; base-256 sizes). Whoever reads the archive (a file read by offset, a
/// byte stream) feeds it one 512-byte header block at a time and it says what follows the block:
/// a member's data, metadata for the next header (hand it to metadata()), data to skip (directories,
/// links, global pax headers), or the end. Each data is followed by padding to the next 512 bytes.
class tar_walker {
 public:
  static constexpr std::uint64_t block = 512;
  /// The most bytes a long name or pax header may take.
  static constexpr std::uint64_t max_metadata = std::uint64_t{1} << 20;

  enum class step : std::uint8_t { member, metadata, skip, end };

  /// Reads the header block that starts at archive offset `pos`; throws tar_error for a corrupt one
  /// (a wrong checksum, a size that is not a number). After `member`, member() is the member and its
  /// data starts at pos + 512; data_size() is the bytes that follow in every case but `end`.
  step header(const unsigned char* header, std::uint64_t pos);
  /// The data of the `metadata` step just returned (a long name, or pax records).
  void metadata(std::string_view data);
  const tar_member& member() const noexcept { return member_; }
  std::uint64_t data_size() const noexcept { return size_; }
  /// The data's bytes rounded up to whole blocks.
  static std::uint64_t padded(std::uint64_t n) noexcept { return (n + block - 1) / block * block; }

 private:
  enum class pending : std::uint8_t { none, long_name, pax };
  tar_member member_;
  std::uint64_t size_ = 0;
  pending pending_ = pending::none;
  std::string next_name_;  // from a GNU long name or a pax path, for the next header
  bool has_next_size_ = false;
  std::uint64_t next_size_ = 0;  // from a pax size, for the next header
};

}  // namespace imgbatch::detail
