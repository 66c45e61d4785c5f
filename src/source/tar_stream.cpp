#include "source/tar_stream.hpp"

#include "util/clip.hpp"

#include <algorithm>
#include <cstring>

namespace imgbatch::detail {

std::string tar_stream::where() const {
  if (state_ == state::data) return "inside member " + clipped(current_.name);
  return last_.empty() ? std::string("at its start") : "after member " + clipped(last_);
}

void tar_stream::feed(const unsigned char* p, std::size_t n) {
  while (n > 0) {
    switch (state_) {
      case state::end:
        pos_ += n;
        return;
      case state::header: {
        const std::size_t take = std::min(n, tar_walker::block - filled_);
        std::memcpy(block_ + filled_, p, take);
        filled_ += take;
        p += take;
        n -= take;
        pos_ += take;
        if (filled_ < tar_walker::block) return;
        filled_ = 0;
        const std::uint64_t at = pos_ - tar_walker::block;
        const tar_walker::step st = walker_.header(block_, at);
        left_ = walker_.data_size();
        padding_ = tar_walker::padded(left_) - left_;
        if (st == tar_walker::step::end) {
          state_ = state::end;
        } else if (st == tar_walker::step::member) {
          current_ = walker_.member();
          state_ = state::data;
          if (on_member) on_member(current_);
        } else if (st == tar_walker::step::metadata) {
          meta_.clear();
          state_ = state::metadata;
        } else {
          state_ = state::skip;
        }
        if (state_ != state::end && left_ == 0 && padding_ == 0) {
          if (state_ == state::metadata) walker_.metadata(meta_);
          if (state_ == state::data) last_ = current_.name;
          state_ = state::header;
        }
        break;
      }
      case state::data:
      case state::metadata:
      case state::skip: {
        if (left_ > 0) {
          const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(n, left_));
          if (state_ == state::data && on_data) on_data(current_, p, take);
          else if (state_ == state::metadata) meta_.append(reinterpret_cast<const char*>(p), take);
          p += take;
          n -= take;
          pos_ += take;
          left_ -= take;
          if (left_ > 0) return;
        }
        const auto skip = static_cast<std::size_t>(std::min<std::uint64_t>(n, padding_));
        p += skip;
        n -= skip;
        pos_ += skip;
        padding_ -= skip;
        if (padding_ > 0) return;
        if (state_ == state::metadata) walker_.metadata(meta_);
        if (state_ == state::data) last_ = current_.name;
        state_ = state::header;
        break;
      }
    }
  }
}

}  // namespace imgbatch::detail
