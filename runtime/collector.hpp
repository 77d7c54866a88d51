#pragma once

#include <cstdint>
#include <utility>

namespace rivulet {

/// One link of an operator chain inside a task: a stage, a sink or the
/// task's output writer. Links are owned by the task; each knows the next.
class chain_link {
public:
  virtual ~chain_link() = default;

  /// Called once when the task starts, before any record.
  virtual void open() {}

  /// End of all input: flush state, then call finish() on the next link.
  virtual void finish() = 0;

  /// Records this link has received.
  std::uint64_t records_in() const noexcept {
    return in_;
  }

protected:
  std::uint64_t in_ = 0;
};

/// Receives records of type T. User code sees it in flat_map as the place to
/// emit zero or more results: `out.collect(value)`.
template <class T>
class collector : public chain_link {
public:
  /// Emits one record downstream.
  void collect(T value) {
    push(std::move(value));
  }

  /// Framework entry: takes ownership of `rec`.
  virtual void push(T&& rec) = 0;

  /// Framework entry for a record the caller keeps (sources over shared
  /// collections). Links whose user function reads by const reference
  /// override this to avoid the copy.
  virtual void push_ref(const T& rec) {
    T copy(rec);
    push(std::move(copy));
  }
};

} // namespace rivulet
