#pragma once

// The DLPack exchange structures (https://dmlc.github.io/dlpack/latest/c_api.html), the stable ABI that
// torch.from_dlpack and numpy.from_dlpack read: a tensor description plus a deleter its consumer calls
// when done. Written out here from the specification; only the CPU device and the types imgbatch
// tensors hold are used.
#include <cstdint>

namespace imgbatch::python {

enum dl_device_type : std::int32_t { dl_cpu = 1 };
enum dl_type_code : std::uint8_t { dl_int = 0, dl_uint = 1, dl_float = 2 };

struct dl_device {
  dl_device_type device_type;
  std::int32_t device_id;
};

struct dl_data_type {
  std::uint8_t code;
  std::uint8_t bits;
  std::uint16_t lanes;
};

struct dl_tensor {
  void* data;
  dl_device device;
  std::int32_t ndim;
  dl_data_type dtype;
  std::int64_t* shape;
  std::int64_t* strides;  ///< in elements; null would mean C-contiguous, given anyway for old consumers
  std::uint64_t byte_offset;
};

struct dl_managed_tensor {
  python::dl_tensor dl_tensor;  // the member keeps the specification's name
  void* manager_ctx;
  void (*deleter)(dl_managed_tensor* self);
};

}  // namespace imgbatch::python
