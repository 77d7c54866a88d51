#pragma once

// Keyed process functions (Flink's KeyedProcessFunction): per-record code
// with per-key state, event-time and processing-time timers, and side
// outputs. A process function is a class:
//
//   struct dedup {
//     using output_type = event;          // what it emits
//     using state_type = bool;            // per-key state (optional)
//     void process_element(const event& e, rivulet::keyed_context<std::string, bool>& ctx,
//                          rivulet::collector<event>& out) {
//       if (!ctx.state()) { ctx.state() = true; out.collect(e); }
//       ctx.register_event_time_timer(ctx.timestamp() + 60000);
//     }
//     void on_timer(rivulet::timestamp, rivulet::keyed_context<std::string, bool>& ctx,
//                   rivulet::collector<event>&) { ctx.clear_state(); }   // optional
//   };
//
// Each operator instance gets its own copy of the function object.

#include <type_traits>
#include <unordered_map>
#include <utility>

#include "runtime/keyed_stages.hpp"
#include "runtime/side_output.hpp"
#include "runtime/timer_queue.hpp"

namespace rivulet {

struct no_state {};

namespace detail {
template <class F, class = void>
struct state_type_of {
  using type = no_state;
};
template <class F>
struct state_type_of<F, std::void_t<typename F::state_type>> {
  using type = typename F::state_type;
};
template <class F, class Ctx, class Out, class = void>
struct has_on_timer : std::false_type {};
template <class F, class Ctx, class Out>
struct has_on_timer<F, Ctx, Out,
                    std::void_t<decltype(std::declval<F&>().on_timer(timestamp{}, std::declval<Ctx&>(),
                                                                      std::declval<collector<Out>&>()))>>
  : std::true_type {};
} // namespace detail

/// What a process function may do while handling a record or a timer of
/// the current key.
template <class K, class State>
class keyed_context {
public:
  /// The key of the record or timer being handled.
  const K& key() const noexcept {
    return *key_;
  }
  /// The record's event timestamp, or the firing timer's time.
  rivulet::timestamp timestamp() const noexcept {
    return ts_;
  }
  rivulet::timestamp current_watermark() const noexcept {
    return watermark_;
  }
  rivulet::timestamp current_processing_time() const {
    return clock_ ? clock_->processing_time() : 0;
  }
  /// Calls on_timer once the watermark reaches `t` (once per key and time).
  void register_event_time_timer(rivulet::timestamp t) {
    event_timers_->add(t, *key_, no_namespace{});
  }
  void delete_event_time_timer(rivulet::timestamp t) {
    event_timers_->remove(t, *key_, no_namespace{});
  }
  /// Calls on_timer once processing time reaches `t`.
  void register_processing_time_timer(rivulet::timestamp t) {
    processing_timers_->add(t, *key_, no_namespace{});
    if (clock_)
      clock_->request_wakeup(*processing_timers_->next_time());
  }
  void delete_processing_time_timer(rivulet::timestamp t) {
    processing_timers_->remove(t, *key_, no_namespace{});
  }
  /// This key's state, default-constructed on first use.
  State& state() {
    if (!state_)
      state_ = &(*states_)[*key_];
    return *state_;
  }
  /// Drops this key's state.
  void clear_state() {
    states_->erase(*key_);
    state_ = nullptr;
  }
  /// Counts a record the function dropped as late (reported per operator
  /// in the job result).
  void record_dropped() noexcept {
    ++*dropped_;
  }
  /// Emits `value` to side output `tag` with the current timestamp.
  template <class S>
  void output(const output_tag<S>& tag, S value) const {
    if (auto* c = sides_->find(tag))
      c->push(std::move(value), ts_);
  }

private:
  template <class, class, class, class, class>
  friend class keyed_process_operator;

  const K* key_ = nullptr;
  rivulet::timestamp ts_ = no_timestamp;
  rivulet::timestamp watermark_ = min_watermark;
  link_context* clock_ = nullptr;
  timer_queue<K, no_namespace>* event_timers_ = nullptr;
  timer_queue<K, no_namespace>* processing_timers_ = nullptr;
  std::unordered_map<K, State, key_hasher<K>>* states_ = nullptr;
  State* state_ = nullptr;
  const side_outputs* sides_ = nullptr;
  std::uint64_t* dropped_ = nullptr;
};

template <class T, class K, class Out, class KeyFn, class F>
class keyed_process_operator final : public stage<T, Out> {
public:
  using state_t = typename detail::state_type_of<F>::type;
  using context_t = keyed_context<K, state_t>;

  keyed_process_operator(instance_info info, collector<Out>* down, const side_outputs& sides, KeyFn key_fn, F fn)
    : stage<T, Out>(std::move(info), down), sides_(sides), key_fn_(std::move(key_fn)), fn_(std::move(fn)) {
  }

  void push(T&& rec, timestamp ts) override {
    push_ref(rec, ts);
  }

  void push_ref(const T& rec, timestamp ts) override {
    ++this->in_;
    run_emitting(this->info_, [&] {
      K key = key_fn_(rec);
      auto ctx = context(key, ts);
      this->down_->set_output_timestamp(ts);
      fn_.process_element(rec, ctx, *this->down_);
    });
  }

  void on_watermark(timestamp wm) override {
    watermark_ = wm;
    run_emitting(this->info_, [&] {
      event_timers_.advance(wm, [&](const auto& t) { fire(t.time, t.key); });
    });
    this->down_->on_watermark(wm);
  }

  void on_processing_time(timestamp now) override {
    run_emitting(this->info_, [&] {
      processing_timers_.advance(now, [&](const auto& t) { fire(t.time, t.key); });
    });
    if (auto next = processing_timers_.next_time(); next && this->ctx_)
      this->ctx_->request_wakeup(*next);
    this->down_->on_processing_time(now);
  }

private:
  context_t context(const K& key, timestamp ts) {
    context_t ctx;
    ctx.key_ = &key;
    ctx.ts_ = ts;
    ctx.watermark_ = watermark_;
    ctx.clock_ = this->ctx_;
    ctx.event_timers_ = &event_timers_;
    ctx.processing_timers_ = &processing_timers_;
    ctx.states_ = &states_;
    ctx.sides_ = &sides_;
    ctx.dropped_ = &this->dropped_;
    return ctx;
  }

  void fire(timestamp time, const K& key) {
    if constexpr (detail::has_on_timer<F, context_t, Out>::value) {
      auto ctx = context(key, time);
      this->down_->set_output_timestamp(time);
      fn_.on_timer(time, ctx, *this->down_);
    }
  }

  side_outputs sides_;
  KeyFn key_fn_;
  F fn_;
  std::unordered_map<K, state_t, key_hasher<K>> states_;
  timer_queue<K, no_namespace> event_timers_;
  timer_queue<K, no_namespace> processing_timers_;
  timestamp watermark_ = min_watermark;
};

} // namespace rivulet
