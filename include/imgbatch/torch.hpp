#pragma once

/// The libtorch adapter: a batch's tensors as `torch::Tensor` without a copy.
///
/// Header-only, in the optional CMake component `torch` (installed when imgbatch was built with Torch
/// found): `find_package(imgbatch REQUIRED COMPONENTS torch)` and link `imgbatch::torch`, which brings
/// libtorch. imgbatch.hpp does not include it.
///
///     for (const imgbatch::batch& b : loader) {
///       torch::Tensor x = imgbatch::to_torch(b, "image");  // N×3×H×W float32
///       torch::Tensor y = imgbatch::to_torch(b, "mask");   // N×H×W int64, as cross_entropy takes it
///       ...
///     }
///
/// dtypes: images float32 (or uint8 when the spec asks for it), masks int64, depth float32, boxes float32;
/// `labels` and `box_count` are int32 (`.to(torch::kLong)` where a loss wants int64 class indices).
#include <imgbatch/batch.hpp>
#include <imgbatch/error.hpp>

#include <torch/torch.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imgbatch {

/// The torch dtype of an imgbatch dtype. Throws imgbatch::error for uint16, which libtorch 1.x has not.
inline torch::Dtype torch_dtype(dtype t) {
  switch (t) {
    case dtype::uint8:
      return torch::kUInt8;
    case dtype::int32:
      return torch::kInt32;
    case dtype::int64:
      return torch::kInt64;
    case dtype::float32:
      return torch::kFloat32;
    case dtype::uint16:
      break;
  }
  throw error("imgbatch::to_torch: libtorch has no " + std::string(dtype_name(t)) + " tensors");
}

/// The named tensor of `b` as a contiguous CPU `torch::Tensor` over the batch's own memory: no copy.
/// The torch tensor, and every view of it, keeps the batch (and so its buffer) alive: the buffer goes
/// back to the loader when the last of them is gone. Throws std::out_of_range naming the tensors the
/// batch has when `name` is not one of them.
inline torch::Tensor to_torch(const batch& b, std::string_view name) {
  const tensor& t = b[name];
  const std::vector<std::int64_t> sizes(t.shape().begin(), t.shape().end());
  auto keep = std::make_unique<batch>(b);
  torch::Tensor out = torch::from_blob(
      const_cast<void*>(t.raw()), sizes, [owner = keep.get()](void*) { delete owner; },
      torch::TensorOptions().dtype(torch_dtype(t.type())).device(torch::kCPU));
  keep.release();  // now owned by the torch tensor's deleter
  return out;
}

/// Every tensor of `b`, in output order, as {name, torch::Tensor} (see the single-tensor overload).
inline std::vector<std::pair<std::string, torch::Tensor>> to_torch(const batch& b) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (std::string_view name : b.names()) out.emplace_back(std::string(name), to_torch(b, name));
  return out;
}

}  // namespace imgbatch
