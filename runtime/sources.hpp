#pragma once

// Built-in bounded sources. Instance i of n reads the elements whose index
// is i modulo n, so the union over instances is the whole input, once.

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "runtime/job_graph.hpp"

namespace rivulet {

template <class T>
class typed_source : public forwards_control<source_link, T> {
public:
  typed_source(instance_info info, collector<T>* down)
    : forwards_control<source_link, T>(down), info_(std::move(info)) {
  }

protected:
  std::uint64_t stride() const noexcept {
    return static_cast<std::uint64_t>(info_.parallelism);
  }
  instance_info info_;
};

/// Emits the elements of a shared, immutable collection.
template <class T>
class collection_source final : public typed_source<T> {
public:
  collection_source(instance_info info, collector<T>* down, std::shared_ptr<const std::vector<T>> items)
    : typed_source<T>(std::move(info), down), items_(std::move(items)),
      next_(static_cast<std::uint64_t>(this->info_.instance)) {
  }
  bool emit(std::size_t max_records) override {
    auto n = items_->size();
    for (std::size_t i = 0; i < max_records && next_ < n; ++i, next_ += this->stride()) {
      ++this->in_;
      this->down_->push_ref((*items_)[next_], no_timestamp);
    }
    return next_ < n;
  }

private:
  std::shared_ptr<const std::vector<T>> items_;
  std::uint64_t next_;
};

/// Emits fn(0) .. fn(count - 1).
template <class T, class F>
class generator_source final : public typed_source<T> {
public:
  generator_source(instance_info info, collector<T>* down, std::uint64_t count, F fn)
    : typed_source<T>(std::move(info), down), count_(count), fn_(std::move(fn)),
      next_(static_cast<std::uint64_t>(this->info_.instance)) {
  }
  bool emit(std::size_t max_records) override {
    for (std::size_t i = 0; i < max_records && next_ < count_; ++i, next_ += this->stride()) {
      ++this->in_;
      this->down_->push(guarded(this->info_, [&]() -> T { return fn_(next_); }), no_timestamp);
    }
    return next_ < count_;
  }

private:
  std::uint64_t count_;
  F fn_;
  std::uint64_t next_;
};

/// Emits the lines of a text file (without line terminators).
class text_file_source final : public typed_source<std::string> {
public:
  text_file_source(instance_info info, collector<std::string>* down, std::string path)
    : typed_source<std::string>(std::move(info), down), path_(std::move(path)) {
  }
  void open(link_context& ctx) override;
  bool emit(std::size_t max_records) override;

private:
  std::string path_;
  std::ifstream in_file_;
  std::uint64_t line_no_ = 0;
};

} // namespace rivulet
