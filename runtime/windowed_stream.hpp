#pragma once

// Windowed streams: keyed_stream::window(...) and count windows. Choose
// the trigger, allowed lateness and a side output for late records, then a
// window function (reduce, aggregate, process, count, sum).

#include <chrono>
#include <memory>
#include <optional>
#include <type_traits>
#include <typeindex>
#include <utility>

#include "runtime/call_traits.hpp"
#include "runtime/window_operator.hpp"

namespace rivulet {

namespace detail {
template <class F, class = void>
struct window_process_output {
  using type = void;
};
template <class F>
struct window_process_output<F, std::enable_if_t<call_signature<std::decay_t<F>>::known>> {
  using args = typename call_signature<std::decay_t<F>>::args;
  using type = std::conditional_t<
    std::tuple_size_v<args> == 3,
    typename collector_value<std::decay_t<std::tuple_element_t<std::tuple_size_v<args> == 3 ? 2 : 0, args>>>::type,
    void>;
};
} // namespace detail

template <class T>
class data_stream;
class stream_environment;

template <class T, class KeyFn>
class windowed_stream {
public:
  using key_type = std::decay_t<std::invoke_result_t<KeyFn&, const T&>>;

  windowed_stream(stream_environment* env, int node, KeyFn key_fn, window_spec<T> spec, std::size_t evict_to,
                  int parallelism, int port)
    : env_(env), node_(node), key_fn_(std::move(key_fn)), spec_(std::move(spec)), evict_to_(evict_to),
      parallelism_(parallelism), port_(port) {
  }

  /// Replaces the assigner's default trigger.
  /// Triggers are shared by the operator's instances: keep per-window data
  /// in the context's slots, not in members.
  windowed_stream trigger(trigger_ptr<T> t) const {
    if (!t)
      throw std::invalid_argument("trigger must not be null");
    if (spec_.assigner.merging() && !t->can_merge())
      throw std::invalid_argument("session windows need a trigger that can merge (can_merge() is false)");
    auto w = *this;
    w.spec_.trigger = std::move(t);
    return w;
  }

  /// Keeps event-time windows this long after their end; a late record
  /// within it re-fires the window with an updated result.
  windowed_stream allowed_lateness(std::chrono::milliseconds lateness) const {
    if (lateness.count() < 0)
      throw std::invalid_argument("allowed lateness must not be negative");
    auto w = *this;
    w.spec_.allowed_lateness_ms = lateness.count();
    return w;
  }

  /// Records later than every window they belong to (plus lateness) go to
  /// `tag` instead of being dropped; read them with get_side_output(tag).
  windowed_stream side_output_late_data(output_tag<T> tag) const {
    auto w = *this;
    w.spec_.late_tag = std::move(tag);
    return w;
  }

  /// Incremental reduce per window: fn(const T&, const T&) -> T.
  template <class F>
  data_stream<T> reduce(F fn) const {
    return reduce(std::move(fn), [](const key_type&, const time_window&, const T& v) { return v; });
  }

  /// Incremental reduce, result shaped by win_fn(key, window, reduced) -> Out.
  template <class F, class WinFn>
  auto reduce(F fn, WinFn win_fn) const {
    static_assert(std::is_invocable_r_v<T, F&, const T&, const T&>,
                  "rivulet: window reduce(fn) needs fn(const T&, const T&) -> T");
    static_assert(std::is_invocable_v<WinFn&, const key_type&, const time_window&, const T&>,
                  "rivulet: reduce's window function needs fn(const K& key, const time_window&, const T& result)");
    using Out = std::decay_t<std::invoke_result_t<WinFn&, const key_type&, const time_window&, const T&>>;
    return build<Out>("window reduce", reduce_window_fn<T, F, WinFn>{std::move(fn), std::move(win_fn)});
  }

  /// Incremental aggregate (see make_aggregate); emits agg.result(acc).
  template <class Agg>
  auto aggregate(Agg agg) const {
    using Acc = std::decay_t<decltype(agg.create())>;
    using R = std::decay_t<decltype(agg.result(std::declval<const Acc&>()))>;
    return aggregate(std::move(agg), [](const key_type&, const time_window&, const R& r) { return r; });
  }

  /// Incremental aggregate, result shaped by win_fn(key, window, result) -> Out.
  template <class Agg, class WinFn>
  auto aggregate(Agg agg, WinFn win_fn) const {
    using Acc = std::decay_t<decltype(agg.create())>;
    static_assert(std::is_invocable_v<decltype(agg.add)&, Acc&, const T&>,
                  "rivulet: aggregate's add needs add(Acc&, const T&)");
    static_assert(std::is_invocable_v<decltype(agg.merge)&, Acc&, const Acc&>,
                  "rivulet: aggregate's merge needs merge(Acc&, const Acc&)");
    using R = std::decay_t<decltype(agg.result(std::declval<const Acc&>()))>;
    using Out = std::decay_t<std::invoke_result_t<WinFn&, const key_type&, const time_window&, const R&>>;
    return build<Out>("window aggregate", aggregate_window_fn<T, Agg, WinFn>{std::move(agg), std::move(win_fn)});
  }

  /// Whole-window function: fn(const window_context<K>&, const std::vector<T>&,
  /// collector<Out>&). Out is read off the collector parameter or given.
  template <class Out = void, class F>
  auto process(F fn) const {
    using deduced = typename detail::window_process_output<F>::type;
    using O = std::conditional_t<std::is_void_v<Out>, deduced, Out>;
    static_assert(!std::is_void_v<O>,
                  "rivulet: window process(fn) needs fn(const window_context<K>&, const std::vector<T>&, "
                  "rivulet::collector<Out>&); with a generic lambda write process<Out>(fn)");
    if constexpr (!std::is_void_v<O>) {
      static_assert(std::is_invocable_v<F&, const window_context<key_type>&, const std::vector<T>&, collector<O>&>,
                    "rivulet: window process(fn) needs fn(const window_context<K>&, const std::vector<T>&, "
                    "rivulet::collector<Out>&)");
      return build<O>("window process", process_window_fn<T, F>{std::move(fn)});
    }
  }

  /// Records per window, as windowed<K, int64_t>{key, window, count}.
  auto count() const {
    using out = windowed<key_type, std::int64_t>;
    return aggregate(make_aggregate([] { return std::int64_t{0}; }, [](std::int64_t& a, const T&) { ++a; },
                                    [](std::int64_t& a, const std::int64_t& b) { a += b; },
                                    [](const std::int64_t& a) { return a; }),
                     [](const key_type& k, const time_window& w, const std::int64_t& n) { return out{k, w, n}; });
  }

  /// Sum of value_fn(rec) per window, as windowed<K, V>{key, window, sum}.
  template <class F>
  auto sum(F value_fn) const {
    using V = std::decay_t<std::invoke_result_t<F&, const T&>>;
    using out = windowed<key_type, V>;
    return aggregate(make_aggregate([] { return V{}; }, [value_fn](V& a, const T& r) { a += value_fn(r); },
                                    [](V& a, const V& b) { a += b; }, [](const V& a) { return a; }),
                     [](const key_type& k, const time_window& w, const V& v) { return out{k, w, v}; });
  }

private:
  template <class Out, class Fn>
  data_stream<Out> build(const char* name, Fn fn) const;

  stream_environment* env_;
  int node_;
  KeyFn key_fn_;
  window_spec<T> spec_;
  std::size_t evict_to_;
  int parallelism_;
  int port_;
};


} // namespace rivulet
