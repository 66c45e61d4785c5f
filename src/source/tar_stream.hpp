#pragma once

#include "source/tar_members.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace imgbatch::detail {

/// Walks a tar archive that arrives as a stream of bytes in pieces of any size (a download, a
/// decompressor's output), calling `on_member(member)` as each member's header is read and
/// `on_data(member, bytes, n)` for its data as it arrives (never its padding). Headers and metadata
/// entries are gathered across pieces. Throws tar_error for a corrupt header.
class tar_stream {
 public:
  std::function<void(const tar_member&)> on_member;
  std::function<void(const tar_member&, const unsigned char*, std::size_t)> on_data;

  /// Feeds the next piece of the archive.
  void feed(const unsigned char* p, std::size_t n);
  /// Bytes fed so far.
  std::uint64_t position() const noexcept { return pos_; }
  /// The end-of-archive block was read (what follows is ignored).
  bool ended() const noexcept { return state_ == state::end; }
  /// Where the stream stands, for the message when it stops early: "at its start", "after member X",
  /// "inside member X".
  std::string where() const;
  /// Inside a member's data: a stream that stops here lost that member.
  bool in_member() const noexcept { return state_ == state::data && left_ > 0; }
  /// Between entries: a stream that stops here lost no member.
  bool between_entries() const noexcept { return state_ == state::header && filled_ == 0; }

 private:
  enum class state : std::uint8_t { header, data, metadata, skip, end };
  tar_walker walker_;
  state state_ = state::header;
  unsigned char block_[tar_walker::block];
  std::size_t filled_ = 0;     // bytes of block_ gathered
  std::uint64_t left_ = 0;     // data bytes left of the current entry
  std::uint64_t padding_ = 0;  // padding after them
  std::string meta_;           // a metadata entry's data
  tar_member current_;
  std::string last_;  // the last whole member's name
  std::uint64_t pos_ = 0;
};

}  // namespace imgbatch::detail
