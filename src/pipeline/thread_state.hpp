#pragma once

#include "decode/decoder.hpp"
#include "transform/execute.hpp"

#include <oneapi/tbb/enumerable_thread_specific.h>

namespace imgbatch::detail {

/// What a worker thread keeps warm from sample to sample: the libjpeg handle and the transform scratch
/// (buffers as large as the largest image seen). Owned by one loader (or one `check` run), so it is
/// freed with it instead of living on in oneTBB's threads.
struct thread_state {
  decoder dec;
  exec_scratch scratch;
};
using thread_states = oneapi::tbb::enumerable_thread_specific<thread_state>;

}  // namespace imgbatch::detail
