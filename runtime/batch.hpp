#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace rivulet {

/// A batch of records moving between two tasks, type-erased so that the
/// transport (actors) need not know record types. Exactly one task owns a
/// batch at a time: the sender fills it, the receiver drains it.
class batch_base {
public:
  virtual ~batch_base() = default;
  virtual std::size_t size() const noexcept = 0;
};

/// The records of one batch, in the order the sender emitted them.
template <class T>
class batch final : public batch_base {
public:
  std::vector<T> records;

  std::size_t size() const noexcept override {
    return records.size();
  }
};

using batch_ptr = std::shared_ptr<batch_base>;

} // namespace rivulet
