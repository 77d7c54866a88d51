#pragma once

// Built-in sinks: collect(), print() and write_text_file().

#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <vector>

#include "runtime/format.hpp"
#include "runtime/stages.hpp"

namespace rivulet {

/// Where collect() sinks of one job put their results. Shared by the
/// caller's `collected<T>` handle and every sink instance; reset at the
/// start of each attempt so that a restarted job does not double results.
template <class T>
class collect_slot {
public:
  void reset() {
    std::lock_guard<std::mutex> guard{mtx_};
    items_.clear();
  }
  void append(std::vector<T>&& part) {
    std::lock_guard<std::mutex> guard{mtx_};
    items_.insert(items_.end(), std::make_move_iterator(part.begin()),
                  std::make_move_iterator(part.end()));
  }
  std::vector<T> items() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return items_;
  }

private:
  mutable std::mutex mtx_;
  std::vector<T> items_;
};

/// The caller's handle on a collect() sink: read it after execute().
template <class T>
class collected {
public:
  explicit collected(std::shared_ptr<collect_slot<T>> slot) : slot_(std::move(slot)) {
  }
  /// Every record the sink received in the last attempt, instances
  /// concatenated (order within one instance preserved).
  std::vector<T> get() const {
    return slot_->items();
  }

private:
  std::shared_ptr<collect_slot<T>> slot_;
};

/// Buffers records locally and publishes them to the slot at end of input.
template <class T>
class collect_sink final : public sink_link<T> {
public:
  collect_sink(instance_info info, std::shared_ptr<collect_slot<T>> slot)
    : sink_link<T>(std::move(info)), slot_(std::move(slot)) {
  }
  void push(T&& rec, timestamp) override {
    ++this->in_;
    local_.push_back(std::move(rec));
  }

protected:
  void consume(const T& rec) override {
    local_.push_back(rec);
  }
  void on_finish() override {
    slot_->append(std::move(local_));
    local_.clear();
  }

private:
  std::shared_ptr<collect_slot<T>> slot_;
  std::vector<T> local_;
};

/// Writes one line per record to stdout, prefixed with "i> " when the sink
/// runs with parallelism above one (as Flink does).
template <class T>
class print_sink final : public sink_link<T> {
public:
  using sink_link<T>::sink_link;

protected:
  void consume(const T& rec) override {
    std::ostringstream line;
    if (this->info_.parallelism > 1)
      line << (this->info_.instance + 1) << "> ";
    format_to(line, rec);
    line << '\n';
    static std::mutex out_mtx;
    std::lock_guard<std::mutex> guard{out_mtx};
    std::cout << line.str();
  }
  void on_finish() override {
    std::cout.flush();
  }
};

/// Writes one line per record to a file. With parallelism above one, each
/// instance i writes `path.i` (numbered from 1).
template <class T>
class text_file_sink final : public sink_link<T> {
public:
  text_file_sink(instance_info info, std::string path)
    : sink_link<T>(std::move(info)), path_(std::move(path)) {
    if (this->info_.parallelism > 1)
      path_ += "." + std::to_string(this->info_.instance + 1);
  }

protected:
  void on_open() override {
    out_.open(path_, std::ios::out | std::ios::trunc);
    if (!out_)
      throw std::runtime_error("cannot open '" + path_ + "' for writing");
  }
  void consume(const T& rec) override {
    format_to(out_, rec);
    out_ << '\n';
  }
  void on_finish() override {
    out_.close();
    if (!out_)
      throw std::runtime_error("error writing '" + path_ + "'");
  }

private:
  std::string path_;
  std::ofstream out_;
};

} // namespace rivulet
