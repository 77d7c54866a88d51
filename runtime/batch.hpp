#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "runtime/time.hpp"

namespace rivulet {

/// A batch of records moving between two tasks, type-erased so that the
/// transport (actors) need not know record types. Exactly one task owns a
/// batch at a time: the sender fills it, the receiver drains it.
///
/// A batch may end with a control event for its channel: a watermark that
/// holds after all its records, or an idle mark. An empty batch may carry
/// just the event; it still uses one credit, which keeps events in order
/// with data without a second queue.
class batch_base {
public:
  virtual ~batch_base() = default;
  virtual std::size_t size() const noexcept = 0;

  /// Watermark after the records, or min_watermark for none.
  timestamp watermark = min_watermark;
  /// The sender's input went idle after these records.
  bool idle = false;
};

/// The records of one batch and their timestamps, in emission order.
template <class T>
class batch final : public batch_base {
public:
  std::vector<T> records;
  std::vector<timestamp> timestamps;

  std::size_t size() const noexcept override {
    return records.size();
  }
};

using batch_ptr = std::shared_ptr<batch_base>;

} // namespace rivulet
