#include <imgbatch/batch.hpp>

#include <stdexcept>

namespace imgbatch {

const tensor* batch::find(std::string_view name) const noexcept {
  if (!data_) return nullptr;
  for (const auto& [n, t] : data_->tensors)
    if (n == name) return &t;
  return nullptr;
}

const tensor& batch::operator[](std::string_view name) const {
  if (const tensor* t = find(name)) return *t;
  std::string have;
  for (auto n : names()) have += (have.empty() ? "" : ", ") + std::string(n);
  throw std::out_of_range("batch has no tensor '" + std::string(name) + "' (it has: " + have + ")");
}

std::vector<std::string_view> batch::names() const {
  std::vector<std::string_view> out;
  if (data_)
    for (const auto& [n, t] : data_->tensors) out.push_back(n);
  return out;
}

}  // namespace imgbatch

namespace imgbatch {

ragged_boxes batch::boxes() const noexcept {
  if (!data_ || data_->box_offsets.empty()) return {};
  return {data_->box_offsets, data_->flat_boxes, data_->flat_labels, data_->flat_flags};
}

}  // namespace imgbatch
