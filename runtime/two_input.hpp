#pragma once

// Two-input operators: connect + (keyed) co-process functions, window
// joins and interval joins. Both inputs are tagged into one
// std::variant<A, B> stream (index 0 = first input) and feed a single
// operator with two input edges, so one operator instance sees both sides
// of a key, in arrival order. Included at the end of datastream.hpp.

#include <map>
#include <variant>

#include "runtime/process_function.hpp"

namespace rivulet {

template <class A, class B>
using either = std::variant<A, B>;

namespace detail {

template <class A, class B>
data_stream<either<A, B>> tag_left(const data_stream<A>& a) {
  return a.map([](const A& x) { return either<A, B>(std::in_place_index<0>, x); }).name("tag first input");
}
template <class A, class B>
data_stream<either<A, B>> tag_right(const data_stream<B>& b) {
  return b.map([](const B& x) { return either<A, B>(std::in_place_index<1>, x); }).name("tag second input");
}

/// Key of a tagged record from the key function of its side.
template <class A, class B, class KA, class KB>
struct either_key {
  KA ka;
  KB kb;
  auto operator()(const either<A, B>& v) const {
    return v.index() == 0 ? ka(std::get<0>(v)) : kb(std::get<1>(v));
  }
};

/// Adapts a co-process function (process_element1/2, optional on_timer)
/// to a process function over the tagged stream.
template <class A, class B, class F>
struct co_process_adapter {
  using output_type = typename F::output_type;
  using state_type = typename state_type_of<F>::type;
  F fn;

  template <class Ctx>
  void process_element(const either<A, B>& v, Ctx& ctx, collector<output_type>& out) {
    if (v.index() == 0)
      fn.process_element1(std::get<0>(v), ctx, out);
    else
      fn.process_element2(std::get<1>(v), ctx, out);
  }
  template <class Ctx, class G = F>
  auto on_timer(timestamp t, Ctx& ctx, collector<output_type>& out)
    -> decltype(std::declval<G&>().on_timer(t, ctx, out)) {
    fn.on_timer(t, ctx, out);
  }
};

/// Interval join state of one key: both sides' buffered records by time.
template <class A, class B>
struct interval_buffers {
  std::multimap<timestamp, A> left;
  std::multimap<timestamp, B> right;
};

/// a joins b when b.ts is in [a.ts + lower, a.ts + upper]; output
/// timestamp max(a.ts, b.ts). Records at or behind the watermark are dropped, and
/// buffers are trimmed by timers once no future record can match.
template <class A, class B, class F, class Out>
struct interval_join_fn {
  using output_type = Out;
  using state_type = interval_buffers<A, B>;
  F fn;
  timestamp lower;
  timestamp upper;

  template <class Ctx>
  void process_element(const either<A, B>& v, Ctx& ctx, collector<Out>& out) {
    auto ts = ctx.timestamp();
    if (ts == no_timestamp)
      throw std::runtime_error("interval join needs event timestamps (assign_timestamps_and_watermarks)");
    if (ts <= ctx.current_watermark()) {
      ctx.record_dropped();  // late (at or behind the watermark): its partners may be gone
      return;
    }
    auto& st = ctx.state();
    if (v.index() == 0) {
      auto& a = std::get<0>(v);
      for (auto it = st.right.lower_bound(saturating_add(ts, lower));
           it != st.right.end() && it->first <= saturating_add(ts, upper); ++it)
        out.collect_at(fn(a, it->second), std::max(ts, it->first));
      st.left.emplace(ts, a);
      ctx.register_event_time_timer(saturating_add(ts, upper));
    } else {
      auto& b = std::get<1>(v);
      for (auto it = st.left.lower_bound(saturating_add(ts, -upper));
           it != st.left.end() && it->first <= saturating_add(ts, -lower); ++it)
        out.collect_at(fn(it->second, b), std::max(ts, it->first));
      st.right.emplace(ts, b);
      ctx.register_event_time_timer(saturating_add(ts, -lower));
    }
  }

  template <class Ctx>
  void on_timer(timestamp t, Ctx& ctx, collector<Out>&) {
    // A left record at ts can still meet right records up to ts + upper; a
    // right record at ts left records up to ts - lower.
    auto& st = ctx.state();
    st.left.erase(st.left.begin(), st.left.upper_bound(saturating_add(t, -upper)));
    st.right.erase(st.right.begin(), st.right.upper_bound(saturating_add(t, lower)));
    if (st.left.empty() && st.right.empty())
      ctx.clear_state();
  }
};

} // namespace detail

/// Internal: a keyed operator over both inputs, tagged and hash-partitioned
/// by their key functions.
template <class A, class B, class KA, class KB, class F>
auto keyed_two_input(const data_stream<A>& a, const data_stream<B>& b, KA ka, KB kb, const char* name, F fn) {
  using tagged = either<A, B>;
  auto key = detail::either_key<A, B, KA, KB>{std::move(ka), std::move(kb)};
  using key_fn_t = decltype(key);
  auto ta = detail::tag_left<A, B>(a);
  auto tb = detail::tag_right<A, B>(b);
  auto writer = std::make_shared<hash_writer_factory<tagged, key_fn_t>>(key);
  std::vector<logical_edge> inputs{logical_edge{ta.node_id(), partitioning::hash, writer, 0},
                                   logical_edge{tb.node_id(), partitioning::hash, writer, 0}};
  return add_process_node<tagged>(a.env(), name, std::move(inputs), key, std::move(fn));
}

/// Two streams connected for a co-process function.
template <class A, class B>
class connected_streams {
public:
  connected_streams(data_stream<A> a, data_stream<B> b) : a_(std::move(a)), b_(std::move(b)) {
  }

  /// Partitions both inputs by key so that one instance sees a key's
  /// records from both: key_a(const A&) and key_b(const B&) give the same type.
  template <class KA, class KB>
  auto key_by(KA key_a, KB key_b) const;

  /// Non-keyed co-process: fn.process_element1(const A&, ctx, out),
  /// fn.process_element2(const B&, ctx, out); state and timers per instance.
  template <class F>
  auto process(F fn) const {
    auto key = [](const either<A, B>&) { return 0; };
    using adapter = detail::co_process_adapter<A, B, F>;
    auto ta = detail::tag_left<A, B>(a_);
    auto tb = detail::tag_right<A, B>(b_);
    return add_process_node<either<A, B>>(ta.env(), "co-process", {ta.edge(), tb.edge()}, key,
                                          adapter{std::move(fn)});
  }

private:
  data_stream<A> a_;
  data_stream<B> b_;
};

/// Connected streams partitioned by key.
template <class A, class B, class KA, class KB>
class keyed_connected_streams {
public:
  keyed_connected_streams(data_stream<A> a, data_stream<B> b, KA ka, KB kb)
    : a_(std::move(a)), b_(std::move(b)), ka_(std::move(ka)), kb_(std::move(kb)) {
  }

  /// Keyed co-process with per-key state and timers.
  template <class F>
  auto process(F fn) const {
    using adapter = detail::co_process_adapter<A, B, F>;
    return keyed_two_input<A, B>(a_, b_, ka_, kb_, "keyed co-process", adapter{std::move(fn)});
  }

private:
  data_stream<A> a_;
  data_stream<B> b_;
  KA ka_;
  KB kb_;
};

template <class A, class B>
template <class KA, class KB>
auto connected_streams<A, B>::key_by(KA key_a, KB key_b) const {
  using K1 = std::decay_t<std::invoke_result_t<KA&, const A&>>;
  using K2 = std::decay_t<std::invoke_result_t<KB&, const B&>>;
  static_assert(std::is_same_v<K1, K2>, "rivulet: both key functions of connect().key_by must return the same type");
  return keyed_connected_streams<A, B, KA, KB>(a_, b_, std::move(key_a), std::move(key_b));
}

/// Window join: pairs of (a, b) with equal keys in the same window.
template <class A, class B>
class join_builder {
public:
  join_builder(data_stream<A> a, data_stream<B> b) : a_(std::move(a)), b_(std::move(b)) {
  }

  template <class KA>
  struct where_t {
    data_stream<A> a;
    data_stream<B> b;
    KA ka;

    template <class KB>
    struct equal_t {
      data_stream<A> a;
      data_stream<B> b;
      KA ka;
      KB kb;

      template <class Assigner>
      struct window_t {
        data_stream<A> a;
        data_stream<B> b;
        KA ka;
        KB kb;
        Assigner assigner;

        /// fn(const A&, const B&) -> Out for every pair in a window; results
        /// carry the window's max timestamp.
        template <class F>
        auto apply(F fn) const {
          using Out = std::decay_t<std::invoke_result_t<F&, const A&, const B&>>;
          using K = std::decay_t<std::invoke_result_t<KA&, const A&>>;
          auto key = detail::either_key<A, B, KA, KB>{ka, kb};
          auto tagged = detail::tag_left<A, B>(a).union_with(detail::tag_right<A, B>(b));
          return tagged.key_by(key).window(assigner).template process<Out>(
            [fn](const window_context<K>&, const std::vector<either<A, B>>& all, collector<Out>& out) mutable {
              for (auto& l : all)
                if (l.index() == 0)
                  for (auto& r : all)
                    if (r.index() == 1)
                      out.collect(fn(std::get<0>(l), std::get<1>(r)));
            });
        }
      };

      template <class Assigner>
      window_t<Assigner> window(Assigner assigner) const {
        return {a, b, ka, kb, std::move(assigner)};
      }
    };

    template <class KB>
    equal_t<KB> equal_to(KB kb) const {
      using K1 = std::decay_t<std::invoke_result_t<KA&, const A&>>;
      using K2 = std::decay_t<std::invoke_result_t<KB&, const B&>>;
      static_assert(std::is_same_v<K1, K2>, "rivulet: join where/equal_to keys must have the same type");
      return {a, b, ka, std::move(kb)};
    }
  };

  template <class KA>
  where_t<KA> where(KA ka) const {
    return {a_, b_, std::move(ka)};
  }

private:
  data_stream<A> a_;
  data_stream<B> b_;
};

/// Interval join of two keyed streams.
template <class A, class KA, class B, class KB>
class interval_join_builder {
public:
  interval_join_builder(data_stream<A> a, KA ka, data_stream<B> b, KB kb)
    : a_(std::move(a)), ka_(std::move(ka)), b_(std::move(b)), kb_(std::move(kb)) {
  }

  /// Joins b to a when b.ts is in [a.ts + lower, a.ts + upper] (inclusive).
  interval_join_builder between(std::chrono::milliseconds lower, std::chrono::milliseconds upper) const {
    if (lower > upper)
      throw std::invalid_argument("interval join: lower bound must not exceed upper bound");
    auto j = *this;
    j.lower_ = lower.count();
    j.upper_ = upper.count();
    return j;
  }

  /// fn(const A&, const B&) -> Out per matching pair.
  template <class F>
  auto process(F fn) const {
    using K1 = std::decay_t<std::invoke_result_t<KA&, const A&>>;
    using K2 = std::decay_t<std::invoke_result_t<KB&, const B&>>;
    static_assert(std::is_same_v<K1, K2>, "rivulet: interval_join needs both key functions to return the same type");
    static_assert(std::is_invocable_v<F&, const A&, const B&>,
                  "rivulet: interval join process(fn) needs fn(const A&, const B&) -> Out");
    using Out = std::decay_t<std::invoke_result_t<F&, const A&, const B&>>;
    detail::interval_join_fn<A, B, F, Out> jf{std::move(fn), lower_, upper_};
    return keyed_two_input<A, B>(a_, b_, ka_, kb_, "interval join", std::move(jf));
  }

private:
  data_stream<A> a_;
  KA ka_;
  data_stream<B> b_;
  KB kb_;
  timestamp lower_ = 0;
  timestamp upper_ = 0;
};

template <class T>
template <class U>
connected_streams<T, U> data_stream<T>::connect(const data_stream<U>& other) const {
  return connected_streams<T, U>(*this, other);
}

template <class T>
template <class U>
join_builder<T, U> data_stream<T>::join(const data_stream<U>& other) const {
  return join_builder<T, U>(*this, other);
}

template <class T, class KeyFn>
template <class U, class KeyFnU>
interval_join_builder<T, KeyFn, U, KeyFnU> keyed_stream<T, KeyFn>::interval_join(
  const keyed_stream<U, KeyFnU>& other) const {
  return interval_join_builder<T, KeyFn, U, KeyFnU>(data_stream<T>(env_, node_, nullptr, partitioning::forward, port_),
                                                    key_fn_, other.as_stream(), other.key_function());
}

} // namespace rivulet
