#include <imgbatch/tensor.hpp>

#include <cstdlib>
#include <new>

namespace imgbatch {
namespace {
constexpr std::size_t tensor_alignment = 64;
}

std::size_t dtype_size(dtype t) noexcept {
  switch (t) {
    case dtype::uint8:
      return 1;
    case dtype::uint16:
      return 2;
    case dtype::int32:
      return 4;
    case dtype::int64:
      return 8;
    case dtype::float32:
      return 4;
  }
  return 1;
}

std::string_view dtype_name(dtype t) noexcept {
  switch (t) {
    case dtype::uint8:
      return "uint8";
    case dtype::uint16:
      return "uint16";
    case dtype::int32:
      return "int32";
    case dtype::int64:
      return "int64";
    case dtype::float32:
      return "float32";
  }
  return "?";
}

std::size_t tensor::numel() const noexcept {
  if (shape_.empty()) return 0;
  std::size_t n = 1;
  for (auto d : shape_) n *= static_cast<std::size_t>(d);
  return n;
}

void detail::storage_free::operator()(std::byte* p) const noexcept {
  if (from) from->deallocate(p, bytes, tensor_alignment);
  else std::free(p);
}

void tensor::check(dtype want) const {
  if (want != type_)
    throw std::logic_error("tensor holds " + std::string(dtype_name(type_)) + ", not " + std::string(dtype_name(want)));
}

void tensor::reshape(dtype t, std::initializer_list<std::int64_t> shape) {
  reshape(t, std::span<const std::int64_t>(shape.begin(), shape.size()));
}

void tensor::reshape(dtype t, std::span<const std::int64_t> shape) {
  type_ = t;
  shape_.assign(shape.begin(), shape.end());  // keeps its capacity
  const std::size_t need = nbytes();
  if (need > capacity_) {
    const std::size_t rounded = (need + tensor_alignment - 1) / tensor_alignment * tensor_alignment;
    storage_.reset();
    capacity_ = 0;
    void* p =
        allocator_ ? allocator_->allocate(rounded, tensor_alignment) : std::aligned_alloc(tensor_alignment, rounded);
    if (!p) throw std::bad_alloc();
    storage_ = std::unique_ptr<std::byte, detail::storage_free>(static_cast<std::byte*>(p),
                                                                detail::storage_free{allocator_, rounded});
    capacity_ = rounded;
  }
}

}  // namespace imgbatch
