#pragma once

#include <imgbatch/allocator.hpp>
#include <imgbatch/export.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace imgbatch {

/// Element type of a tensor.
enum class dtype : std::uint8_t { uint8, uint16, int32, int64, float32 };

/// Bytes per element.
IMGBATCH_API std::size_t dtype_size(dtype t) noexcept;
/// "uint8", "uint16", "int32", "int64" or "float32".
IMGBATCH_API std::string_view dtype_name(dtype t) noexcept;

/// The dtype of element type T: std::uint8_t, std::uint16_t, std::int32_t, std::int64_t or float; any
/// other type does not compile.
template <class T>
constexpr dtype dtype_of() {
  if constexpr (std::is_same_v<T, std::uint8_t>) return dtype::uint8;
  else if constexpr (std::is_same_v<T, std::uint16_t>) return dtype::uint16;
  else if constexpr (std::is_same_v<T, std::int32_t>) return dtype::int32;
  else if constexpr (std::is_same_v<T, std::int64_t>) return dtype::int64;
  else if constexpr (std::is_same_v<T, float>) return dtype::float32;
  else static_assert(sizeof(T) == 0, "imgbatch tensors hold uint8, uint16, int32, int64 or float32");
}

namespace detail {
/// Gives a tensor's storage back to where it came from; holds that allocator until then.
struct IMGBATCH_API storage_free {
  std::shared_ptr<buffer_allocator> from;  ///< null: the heap
  std::size_t bytes = 0;
  void operator()(std::byte* p) const noexcept;
};
}  // namespace detail

/// A dense, C-contiguous, 64-byte aligned array owned by a batch buffer.
/// Its storage is reused from batch to batch: a tensor stays valid while its `batch` is alive.
/// Reading is thread-safe; tensors are never written once a batch reaches the consumer.
class IMGBATCH_API tensor {
 public:
  tensor() = default;
  /// Takes over the storage, shape and type; tensors are move-only. The moved-from tensor is empty
  /// (no storage, rank 0) and keeps its allocator.
  tensor(tensor&& o) noexcept
      : type_(o.type_),
        shape_(std::move(o.shape_)),
        allocator_(o.allocator_),
        storage_(std::move(o.storage_)),
        capacity_(std::exchange(o.capacity_, 0)) {
    o.shape_.clear();
  }
  /// Takes over the storage, shape and type; storage this tensor held is given back. The moved-from
  /// tensor is empty and keeps its allocator.
  tensor& operator=(tensor&& o) noexcept {
    if (this != &o) {
      type_ = o.type_;
      shape_ = std::move(o.shape_);
      o.shape_.clear();
      allocator_ = o.allocator_;
      storage_ = std::move(o.storage_);
      capacity_ = std::exchange(o.capacity_, 0);
    }
    return *this;
  }
  tensor(const tensor&) = delete;
  tensor& operator=(const tensor&) = delete;

  /// Element type.
  dtype type() const noexcept { return type_; }
  /// Dimensions, outermost first (for example N, C, H, W).
  std::span<const std::int64_t> shape() const noexcept { return shape_; }
  /// Dimension `i` of the shape; throws std::out_of_range when `i >= rank()`.
  std::int64_t dim(std::size_t i) const { return shape_.at(i); }
  /// Number of dimensions; 0 before the first reshape().
  std::size_t rank() const noexcept { return shape_.size(); }
  /// Number of elements.
  std::size_t numel() const noexcept;
  /// Bytes the elements take: numel() × dtype_size(type()).
  std::size_t nbytes() const noexcept { return numel() * dtype_size(type_); }

  /// Typed pointer to the first element; throws std::logic_error if T does not match `type()`.
  template <class T>
  const T* data() const {
    check(dtype_of<T>());
    return reinterpret_cast<const T*>(storage_.get());
  }
  /// The same, writable.
  template <class T>
  T* data() {
    check(dtype_of<T>());
    return reinterpret_cast<T*>(storage_.get());
  }
  /// Untyped pointer to the first element; null while the tensor holds no storage.
  const void* raw() const noexcept { return storage_.get(); }
  /// The same, writable.
  void* raw() noexcept { return storage_.get(); }

  /// Sets type and shape, growing the storage only when it is too small: no allocation once the
  /// tensor has held a shape of this rank and size.
  void reshape(dtype t, std::initializer_list<std::int64_t> shape);
  /// The same with the dimensions in a span. A shape no larger than the storage keeps it, and the bytes
  /// in it stay where they are.
  void reshape(dtype t, std::span<const std::int64_t> shape);

  /// Where reshape() takes storage from from now on (null: the heap); storage already held is given
  /// back to the allocator it came from. Loaders set their buffer_allocator on every batch tensor.
  void use_allocator(std::shared_ptr<buffer_allocator> allocator) noexcept { allocator_ = std::move(allocator); }

 private:
  void check(dtype want) const;

  dtype type_ = dtype::uint8;
  std::vector<std::int64_t> shape_;
  std::shared_ptr<buffer_allocator> allocator_;
  std::unique_ptr<std::byte, detail::storage_free> storage_;
  std::size_t capacity_ = 0;
};

}  // namespace imgbatch
