#pragma once

// Rolling keyed aggregates behind keyed_stream::reduce/sum/count/min/max.

#include <unordered_map>
#include <utility>

#include "runtime/config.hpp"
#include "runtime/key_hash.hpp"
#include "runtime/stages.hpp"

namespace rivulet {

/// Hash functor adapter for std::unordered_map over key_hash.
template <class K>
struct key_hasher {
  std::size_t operator()(const K& key) const {
    return static_cast<std::size_t>(key_hash<K>{}(key));
  }
};

/// Keeps one accumulator per key. In streaming mode every record emits the
/// key's updated result; in batch mode each key emits once, at end of input
/// (on the max watermark, before it goes on), stamped with the largest
/// timestamp among the key's records.
///
/// Init(const T&) -> Acc starts a key's accumulator, Fold(Acc&, const T&)
/// adds a record, Emit(const K&, const Acc&) -> Out makes the result.
template <class T, class K, class Acc, class Out, class KeyFn, class Init, class Fold, class Emit>
class keyed_aggregate_stage final : public stage<T, Out> {
public:
  keyed_aggregate_stage(instance_info info, collector<Out>* down, runtime_mode mode, KeyFn key_fn,
                        Init init, Fold fold, Emit emit)
    : stage<T, Out>(std::move(info), down),
      mode_(mode),
      key_fn_(std::move(key_fn)),
      init_(std::move(init)),
      fold_(std::move(fold)),
      emit_(std::move(emit)) {
  }

  void push(T&& rec, timestamp ts) override {
    push_ref(rec, ts);
  }

  void push_ref(const T& rec, timestamp ts) override {
    ++this->in_;
    if (mode_ == runtime_mode::batch) {
      guarded(this->info_, [&] {
        auto& slot = update(rec).second;
        if (ts > slot.max_ts)
          slot.max_ts = ts;
      });
      return;
    }
    this->down_->push(guarded(this->info_, [&]() -> Out {
      auto& entry = update(rec);
      return emit_(entry.first, entry.second.acc);
    }), ts);
  }

  void on_watermark(timestamp wm) override {
    if (mode_ == runtime_mode::batch && wm == max_watermark) {
      for (auto& [key, slot] : state_)
        this->down_->push(guarded(this->info_, [&]() -> Out { return emit_(key, slot.acc); }), slot.max_ts);
      state_.clear();
    }
    this->down_->on_watermark(wm);
  }

  std::size_t key_count() const noexcept {
    return state_.size();
  }

private:
  struct slot_t {
    Acc acc;
    timestamp max_ts = no_timestamp;
  };

  std::pair<const K, slot_t>& update(const T& rec) {
    // A key function returning a reference costs no copy unless the key is new.
    decltype(auto) key = key_fn_(rec);
    auto it = state_.find(key);
    if (it == state_.end())
      return *state_.emplace(K(std::forward<decltype(key)>(key)), slot_t{init_(rec), no_timestamp}).first;
    fold_(it->second.acc, rec);
    return *it;
  }

  runtime_mode mode_;
  KeyFn key_fn_;
  Init init_;
  Fold fold_;
  Emit emit_;
  std::unordered_map<K, slot_t, key_hasher<K>> state_;
};

} // namespace rivulet
