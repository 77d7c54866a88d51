#pragma once

// What a window computes. Each function type keeps a per-window state and
// turns it into results when the trigger fires:
// - reduce and aggregate fold records into the state as they arrive (O(1)
//   state per window);
// - process keeps the window's records and sees them all at once;
// - the evicting wrapper keeps only the last n records (count windows).

#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "runtime/collector.hpp"
#include "runtime/side_output.hpp"
#include "runtime/window.hpp"

namespace rivulet {

/// What a window function sees besides the records: the key, the window,
/// the clocks, and side outputs.
template <class K>
class window_context {
public:
  window_context(const K& key, const time_window& w, timestamp watermark, timestamp now,
                 const side_outputs& sides)
    : key_(key), window_(w), watermark_(watermark), now_(now), sides_(sides) {
  }
  const K& key() const noexcept {
    return key_;
  }
  const time_window& window() const noexcept {
    return window_;
  }
  timestamp current_watermark() const noexcept {
    return watermark_;
  }
  timestamp current_processing_time() const noexcept {
    return now_;
  }
  /// Emits `value` to the side output `tag` (dropped if nobody reads it).
  template <class S>
  void output(const output_tag<S>& tag, S value) const {
    if (auto* c = sides_.find(tag))
      c->push(std::move(value), window_.max_timestamp());
  }

private:
  const K& key_;
  const time_window& window_;
  timestamp watermark_;
  timestamp now_;
  const side_outputs& sides_;
};

/// An aggregate function from four callables, as Flink's AggregateFunction:
/// create() -> Acc, add(Acc&, const T&), merge(Acc&, const Acc&), result(const Acc&) -> R.
template <class Create, class Add, class Merge, class Result>
struct aggregate_function {
  Create create;
  Add add;
  Merge merge;
  Result result;
};

template <class Create, class Add, class Merge, class Result>
aggregate_function<Create, Add, Merge, Result> make_aggregate(Create c, Add a, Merge m, Result r) {
  return {std::move(c), std::move(a), std::move(m), std::move(r)};
}

/// Incremental reduce; the result goes through win_fn(key, window, T) -> Out.
template <class T, class F, class WinFn>
struct reduce_window_fn {
  using state_type = std::optional<T>;
  F fn;
  WinFn win_fn;

  void add(state_type& s, const T& rec, timestamp) {
    if (!s)
      s = rec;
    else
      s = fn(*s, rec);
  }
  void merge(state_type& into, state_type&& from) {
    if (!from)
      return;
    if (!into)
      into = std::move(from);
    else
      into = fn(*into, *from);
  }
  template <class K, class Out>
  void emit(const window_context<K>& ctx, state_type& s, collector<Out>& out) {
    out.collect(win_fn(ctx.key(), ctx.window(), *s));
  }
};

/// Incremental aggregate with an accumulator; result through win_fn.
template <class T, class Agg, class WinFn>
struct aggregate_window_fn {
  using state_type = std::decay_t<decltype(std::declval<Agg&>().create())>;
  Agg agg;
  WinFn win_fn;

  void add(state_type& s, const T& rec, timestamp) {
    agg.add(s, rec);
  }
  void merge(state_type& into, state_type&& from) {
    agg.merge(into, from);
  }
  state_type init() {
    return agg.create();
  }
  template <class K, class Out>
  void emit(const window_context<K>& ctx, state_type& s, collector<Out>& out) {
    out.collect(win_fn(ctx.key(), ctx.window(), agg.result(s)));
  }
};

/// Keeps every record; fn(ctx, records, out) sees them at once.
template <class T, class F>
struct process_window_fn {
  using state_type = std::vector<T>;
  F fn;

  void add(state_type& s, const T& rec, timestamp) {
    s.push_back(rec);
  }
  void merge(state_type& into, state_type&& from) {
    into.insert(into.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  }
  template <class K, class Out>
  void emit(const window_context<K>& ctx, state_type& s, collector<Out>& out) {
    fn(ctx, static_cast<const state_type&>(s), out);
  }
};

/// A fresh state for window function `fn`: fn.init() when it has one.
template <class Fn>
auto initial_state(Fn& fn) -> decltype(fn.init()) {
  return fn.init();
}
template <class Fn, class... Ignored>
typename Fn::state_type initial_state(Fn&, Ignored...) {
  return {};
}

/// Keeps the last `max_records` records, then runs `inner` over them.
template <class T, class Inner>
struct evicting_window_fn {
  using state_type = std::deque<std::pair<T, timestamp>>;
  Inner inner;
  std::size_t max_records;

  void add(state_type& s, const T& rec, timestamp ts) {
    s.emplace_back(rec, ts);
    while (s.size() > max_records)
      s.pop_front();
  }
  void merge(state_type& into, state_type&& from) {
    for (auto& e : from)
      add(into, e.first, e.second);
  }
  template <class K, class Out>
  void emit(const window_context<K>& ctx, state_type& s, collector<Out>& out) {
    auto inner_state = initial_state(inner);
    for (auto& e : s)
      inner.add(inner_state, e.first, e.second);
    inner.emit(ctx, inner_state, out);
  }
};

} // namespace rivulet
