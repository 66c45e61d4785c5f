#include "pipeline/memory_budget.hpp"

#include <imgbatch/allocator.hpp>
#include <imgbatch/error.hpp>

#include <unistd.h>

#include <cstddef>
#include <memory>
#include <string>

namespace imgbatch::detail {
namespace {

// Counts what tensors ask for and hands every one the same small block, which shaping never writes to.
class counting_allocator final : public buffer_allocator {
 public:
  void* allocate(std::size_t bytes, std::size_t) override {
    total += bytes;
    return block_;
  }
  void deallocate(void*, std::size_t, std::size_t) noexcept override {}
  std::uint64_t total = 0;

 private:
  alignas(64) std::byte block_[64] = {};
};

std::string gib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", bytes / static_cast<double>(1ull << 30));
  return text;
}

}  // namespace

std::uint64_t batch_buffer_bytes(const batch_layout& layout, const batch_shape& shape) {
  auto counter = std::make_shared<counting_allocator>();
  batch_data b;
  layout.init(b);
  for (auto& named : b.tensors) named.second.use_allocator(counter);
  layout.shape(b, shape);
  return counter->total;
}

std::uint64_t memory_limit(const loader_spec& loader) {
  if (loader.max_memory) return *loader.max_memory;
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) / 2
                               : std::uint64_t{8} << 30;
}

std::uint64_t check_memory(const pipeline_spec& spec, const batch_layout& layout, const op_chain& chain,
                           std::size_t max_boxes) {
  std::optional<size2> size = chain.fixed_size;
  if (spec.batch.pad && spec.batch.pad->to) size = *spec.batch.pad->to;
  if (!size) return 0;
  batch_shape shape;
  shape.n = static_cast<std::size_t>(spec.batch.size);
  shape.height = (*size)[0];
  shape.width = (*size)[1];
  shape.max_boxes = max_boxes;
  const auto buffers = static_cast<std::uint64_t>(spec.loader.prefetch_batches);
  const std::uint64_t limit = memory_limit(spec.loader);
  // A bound in floating point first, so that an absurd spec cannot overflow the exact count: at most 8
  // bytes per element, one element per channel, class (one-hot), box (instance masks) and extra plane.
  const double classes = spec.targets.mask ? spec.targets.mask->num_classes : 0;
  const double bound =
      static_cast<double>(shape.n) * shape.height * shape.width * 8.0 * (8 + classes + static_cast<double>(max_boxes));
  if (bound > 4e18)  // past any memory; the exact count below would not fit in 64 bits
    throw config_error("loader.max_memory", "a batch of " + std::to_string(spec.batch.size) + " samples at " +
                                                std::to_string(shape.height) + "x" + std::to_string(shape.width) +
                                                " takes more memory than any machine has: lower batch.size or the "
                                                "output size");
  const std::uint64_t one = batch_buffer_bytes(layout, shape);
  if (one > limit / buffers)
    throw config_error(
        "loader.max_memory",
        std::to_string(buffers) + " batch buffers (loader.prefetch_batches) of " + std::to_string(spec.batch.size) +
            " samples at " + std::to_string(shape.height) + "x" + std::to_string(shape.width) + " take " +
            std::to_string(one) + " bytes each (" + gib(static_cast<double>(one)) + "), " +
            gib(static_cast<double>(one) * static_cast<double>(buffers)) + " in all, more than the limit of " +
            std::to_string(limit) + " bytes (" + gib(static_cast<double>(limit)) +
            (spec.loader.max_memory ? "" : ", half of this machine's memory") +
            "): lower batch.size, the output size or prefetch_batches, or raise loader.max_memory");
  return one;
}

}  // namespace imgbatch::detail
