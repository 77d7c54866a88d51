#pragma once

// The tail of a task's chain: writers that cut the record stream into
// batches per output channel. A channel is one (edge, receiving instance)
// pair; which channel a record takes is the edge's partitioning.

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "runtime/batch.hpp"
#include "runtime/collector.hpp"
#include "runtime/key_hash.hpp"

namespace rivulet {

/// How records of one edge are spread over the receiving instances.
enum class partitioning {
  /// Instance i sends to instance i (equal parallelism, enables chaining).
  forward,
  /// By hash of the record's key: every record of a key reaches one instance.
  hash,
  /// Round-robin over all receivers.
  rebalance,
  /// Every record to every receiver.
  broadcast,
};

const char* to_string(partitioning p) noexcept;

/// Takes full batches from writers; implemented by the task.
class channel_sink {
public:
  virtual ~channel_sink() = default;
  virtual void emit_batch(std::size_t out_channel, batch_ptr b) = 0;
};

/// What a writer for one edge needs from the task that owns it.
struct writer_args {
  std::size_t first_channel = 0;
  std::size_t channels = 1;
  int instance = 0;
  std::size_t batch_size = 1024;
  channel_sink* sink = nullptr;
};

/// Something holding partly filled batches.
class flushable {
public:
  virtual ~flushable() = default;
  /// Sends every partly filled batch now.
  virtual void flush() = 0;
  virtual bool has_partial() const noexcept = 0;
};

/// Base of the writers at a chain's tail: control events go to every
/// channel, behind the records already buffered for it.
template <class T>
class writer_link : public collector<T>, public flushable {
public:
  void finish() override {
    flush();
  }
  void on_watermark(timestamp wm) override {
    end_all([wm](batch_base& b) { b.watermark = wm; });
  }
  void on_idle_status(bool idle) override {
    // Becoming active needs no mark: the next records or watermark do it.
    if (idle)
      end_all([](batch_base& b) { b.idle = true; });
  }
  void on_processing_time(timestamp) override {}
  void on_batch_end() override {}

protected:
  /// Sends every channel's current batch (empty if need be) after marking it.
  virtual void end_all(const std::function<void(batch_base&)>& mark) = 0;
};

/// Batches records per channel; `Pick(const T&) -> channel index` chooses.
template <class T, class Pick>
class partitioned_writer final : public writer_link<T> {
public:
  partitioned_writer(const writer_args& args, Pick pick) : args_(args), pick_(std::move(pick)) {
    buffers_.resize(args_.channels);
  }

  void push(T&& rec, timestamp ts) override {
    ++this->in_;
    auto ch = pick_(rec);
    auto& b = buffer(ch);
    b.records.push_back(std::move(rec));
    b.timestamps.push_back(ts);
    maybe_emit(ch);
  }

  void push_ref(const T& rec, timestamp ts) override {
    ++this->in_;
    auto ch = pick_(rec);
    auto& b = buffer(ch);
    b.records.push_back(rec);
    b.timestamps.push_back(ts);
    maybe_emit(ch);
  }

  void flush() override {
    for (std::size_t ch = 0; ch < buffers_.size(); ++ch)
      if (buffers_[ch] && !buffers_[ch]->records.empty())
        emit(ch);
  }

  bool has_partial() const noexcept override {
    for (auto& b : buffers_)
      if (b && !b->records.empty())
        return true;
    return false;
  }

  /// Sends the current batch of channel `ch` (index within this edge).
  void end_channel(std::size_t ch, const std::function<void(batch_base&)>& mark) {
    buffer(ch);
    mark(*buffers_[ch]);
    emit(ch);
  }

protected:
  void end_all(const std::function<void(batch_base&)>& mark) override {
    for (std::size_t ch = 0; ch < buffers_.size(); ++ch)
      end_channel(ch, mark);
  }

private:
  batch<T>& buffer(std::size_t ch) {
    auto& b = buffers_[ch];
    if (!b) {
      b = std::make_shared<batch<T>>();
      b->records.reserve(args_.batch_size);
      b->timestamps.reserve(args_.batch_size);
    }
    return *b;
  }
  void maybe_emit(std::size_t ch) {
    if (buffers_[ch]->records.size() >= args_.batch_size)
      emit(ch);
  }
  void emit(std::size_t ch) {
    args_.sink->emit_batch(args_.first_channel + ch, std::move(buffers_[ch]));
    buffers_[ch] = nullptr;
  }

  writer_args args_;
  Pick pick_;
  std::vector<std::shared_ptr<batch<T>>> buffers_;
};

/// Sends a copy of every record to every channel.
template <class T>
class broadcast_writer final : public writer_link<T> {
public:
  explicit broadcast_writer(const writer_args& args) {
    for (std::size_t ch = 0; ch < args.channels; ++ch) {
      auto one = args;
      one.first_channel = args.first_channel + ch;
      one.channels = 1;
      writers_.emplace_back(one, single{});
    }
  }
  void push(T&& rec, timestamp ts) override {
    ++this->in_;
    for (std::size_t i = 0; i + 1 < writers_.size(); ++i)
      writers_[i].push_ref(rec, ts);
    writers_.back().push(std::move(rec), ts);
  }
  void flush() override {
    for (auto& w : writers_)
      w.flush();
  }
  bool has_partial() const noexcept override {
    for (auto& w : writers_)
      if (w.has_partial())
        return true;
    return false;
  }

protected:
  void end_all(const std::function<void(batch_base&)>& mark) override {
    for (auto& w : writers_)
      w.end_channel(0, mark);
  }

private:
  struct single {
    std::size_t operator()(const T&) const noexcept {
      return 0;
    }
  };
  std::vector<partitioned_writer<T, single>> writers_;
};

/// Copies each record to several downstream links (one per outgoing edge).
template <class T>
class fanout_link final : public collector<T> {
public:
  explicit fanout_link(std::vector<collector<T>*> outs) : outs_(std::move(outs)) {
  }
  void push(T&& rec, timestamp ts) override {
    ++this->in_;
    for (std::size_t i = 0; i + 1 < outs_.size(); ++i)
      outs_[i]->push_ref(rec, ts);
    outs_.back()->push(std::move(rec), ts);
  }
  void finish() override {
    for (auto* out : outs_)
      out->finish();
  }
  void on_watermark(timestamp wm) override {
    for (auto* out : outs_)
      out->on_watermark(wm);
  }
  void on_idle_status(bool idle) override {
    for (auto* out : outs_)
      out->on_idle_status(idle);
  }
  void on_processing_time(timestamp now) override {
    for (auto* out : outs_)
      out->on_processing_time(now);
  }
  void on_batch_end() override {
    for (auto* out : outs_)
      out->on_batch_end();
  }

private:
  std::vector<collector<T>*> outs_;
};

/// A writer for one edge and its flush interface (same object).
struct edge_writer {
  std::unique_ptr<chain_link> link;
  flushable* buffers = nullptr;
};

/// Makes the writers of one logical edge; typed by the record type at the
/// time the edge is declared in the API.
class edge_writer_factory {
public:
  virtual ~edge_writer_factory() = default;
  /// Makes the writer for one sender instance. `kind` is the edge's
  /// physical partitioning, which the planner may have changed from the
  /// declared one (forward across different parallelisms becomes rebalance).
  virtual edge_writer make(const writer_args& args, partitioning kind) const = 0;
};

template <class T, class Pick>
edge_writer make_partitioned(const writer_args& args, Pick pick) {
  auto w = std::make_unique<partitioned_writer<T, Pick>>(args, std::move(pick));
  flushable* f = w.get();
  return {std::move(w), f};
}

/// Writer factory for forward, rebalance and broadcast edges.
template <class T>
class plain_writer_factory : public edge_writer_factory {
public:
  edge_writer make(const writer_args& args, partitioning kind) const override {
    switch (kind) {
      case partitioning::broadcast: {
        auto w = std::make_unique<broadcast_writer<T>>(args);
        flushable* f = w.get();
        return {std::move(w), f};
      }
      case partitioning::rebalance: {
        // Start each sender at a different receiver to spread the first records.
        auto n = args.channels;
        std::size_t next = static_cast<std::size_t>(args.instance) % n;
        return make_partitioned<T>(args, [next, n](const T&) mutable {
          auto ch = next;
          next = next + 1 == n ? 0 : next + 1;
          return ch;
        });
      }
      default:
        return make_partitioned<T>(args, [](const T&) { return std::size_t{0}; });
    }
  }
};

/// Writer factory for key_by edges.
template <class T, class KeyFn>
class hash_writer_factory final : public plain_writer_factory<T> {
public:
  explicit hash_writer_factory(KeyFn key_fn) : key_fn_(std::move(key_fn)) {
  }
  edge_writer make(const writer_args& args, partitioning kind) const override {
    if (kind != partitioning::hash)
      return plain_writer_factory<T>::make(args, kind);
    using key_type = std::decay_t<decltype(key_fn_(std::declval<const T&>()))>;
    auto n = args.channels;
    return make_partitioned<T>(args, [fn = key_fn_, n](const T& rec) {
      return key_group(key_hash<key_type>{}(fn(rec)), n);
    });
  }

private:
  KeyFn key_fn_;
};

} // namespace rivulet
