#pragma once

// The keyed window operator (Flink's WindowOperator): per key and window a
// state and trigger slots; event-time and processing-time timers; allowed
// lateness with cleanup; late records to a side output; merging of
// session windows.

#include <map>
#include <unordered_map>
#include <vector>

#include "runtime/keyed_stages.hpp"
#include "runtime/side_output.hpp"
#include "runtime/timer_queue.hpp"
#include "runtime/trigger.hpp"
#include "runtime/window_functions.hpp"

namespace rivulet {

/// Settings of one window operator beyond the function.
template <class T>
struct window_spec {
  window_assigner<T> assigner = window_assigner<T>::global();
  trigger_ptr<T> trigger;
  timestamp allowed_lateness_ms = 0;
  /// Side output for records too late for every window they belong to.
  std::optional<output_tag<T>> late_tag;
};

template <class T, class K, class Out, class KeyFn, class Fn>
class window_operator final : public stage<T, Out> {
public:
  window_operator(instance_info info, collector<Out>* down, const side_outputs& sides, KeyFn key_fn,
                  window_spec<T> spec, Fn fn)
    : stage<T, Out>(std::move(info), down),
      sides_(sides),
      key_fn_(std::move(key_fn)),
      spec_(std::move(spec)),
      fn_(std::move(fn)) {
    if (!spec_.trigger)
      spec_.trigger = default_trigger(spec_.assigner);
    if (spec_.late_tag)
      late_ = sides_.find(*spec_.late_tag);
  }

  void push(T&& rec, timestamp ts) override {
    push_ref(rec, ts);
  }

  void push_ref(const T& rec, timestamp ts) override {
    ++this->in_;
    run_emitting(this->info_, [&] { process(rec, ts); });
  }

  void on_watermark(timestamp wm) override {
    watermark_ = wm;
    run_emitting(this->info_, [&] {
      event_timers_.advance(wm, [&](const auto& t) { on_timer(t.time, t.key, t.ns, true); });
      // The max watermark means end of input. Processing-time windows still
      // open fire now rather than lose their records, and before the
      // watermark goes on, so downstream event-time windows are not late.
      if (wm == max_watermark && !spec_.assigner.event_time()) {
        for (auto& [key, windows] : keys_)
          for (auto& [w, ws] : windows)
            emit(key, w, ws);
        keys_.clear();
      }
    });
    this->down_->on_watermark(wm);
  }

  void on_processing_time(timestamp now) override {
    run_emitting(this->info_, [&] {
      processing_timers_.advance(now, [&](const auto& t) { on_timer(t.time, t.key, t.ns, false); });
    });
    request_processing_wakeup();
    this->down_->on_processing_time(now);
  }



private:
  struct window_state {
    typename Fn::state_type state;
    bool has_data = false;
    std::int64_t slots[2] = {0, 0};
    /// Its cleanup timer is set (once per window, not per record).
    bool cleanup_set = false;
    /// The event-time timer the trigger last registered and is still
    /// pending: a trigger re-registering it per record (the default one
    /// does) then costs a compare, not a hash-set lookup.
    timestamp pending_event_timer = no_timestamp;
  };
  using window_map = std::map<time_window, window_state>;

  class ctx_impl final : public trigger_context {
  public:
    ctx_impl(window_operator& op, const K& key, const time_window& w, window_state& ws)
      : op_(op), key_(key), w_(w), ws_(ws) {
    }
    timestamp current_watermark() const override {
      return op_.watermark_;
    }
    timestamp current_processing_time() const override {
      return op_.ctx_->processing_time();
    }
    void register_event_time_timer(timestamp t) override {
      if (ws_.pending_event_timer == t)
        return;
      ws_.pending_event_timer = t;
      op_.event_timers_.add(t, key_, w_);
    }
    void delete_event_time_timer(timestamp t) override {
      if (ws_.pending_event_timer == t)
        ws_.pending_event_timer = no_timestamp;
      op_.event_timers_.remove(t, key_, w_);
    }
    void register_processing_time_timer(timestamp t) override {
      op_.processing_timers_.add(t, key_, w_);
      op_.request_processing_wakeup();
    }
    void delete_processing_time_timer(timestamp t) override {
      op_.processing_timers_.remove(t, key_, w_);
    }
    std::int64_t& slot(int i) override {
      return ws_.slots[i & 1];
    }

  private:
    window_operator& op_;
    const K& key_;
    const time_window& w_;
    window_state& ws_;
  };

  void process(const T& rec, timestamp ts) {
    auto& a = spec_.assigner;
    // Global windows (count windows) do not place records by time: like
    // Flink's, they need no timestamp.
    if (a.event_time() && a.type() != window_assigner<T>::kind::global && ts == no_timestamp)
      throw std::runtime_error("record has no event timestamp: use assign_timestamps_and_watermarks "
                               "before an event-time window");
    timestamp t = a.event_time() ? ts : this->ctx_->processing_time();
    windows_.clear();
    a.assign(rec, t, windows_);
    decltype(auto) key_ref = key_fn_(rec);
    auto it = keys_.find(key_ref);
    if (it == keys_.end())
      it = keys_.emplace(K(key_ref), window_map{}).first;
    const K& key = it->first;
    auto& windows = it->second;
    bool placed = false;
    for (auto w : windows_) {
      if (a.merging())
        w = merge_into(key, windows, w);
      if (is_late(w))
        continue;
      placed = true;
      auto wit = windows.find(w);
      if (wit == windows.end())
        wit = windows.emplace(w, window_state{initial_state(fn_), false, {0, 0}, false, no_timestamp}).first;
      auto& ws = wit->second;
      fn_.add(ws.state, rec, ts);
      ws.has_data = true;
      ctx_impl tctx(*this, key, wit->first, ws);
      auto res = spec_.trigger->on_element(rec, t, wit->first, tctx);
      if (!ws.cleanup_set) {
        ws.cleanup_set = true;
        register_cleanup(key, wit->first);
      }
      act(key, windows, wit, res);
    }
    // As in Flink, only a late record is late data: one that fell in no
    // window at all (between hopping windows) is dropped without notice.
    bool late_record = a.event_time() && saturating_add(ts, spec_.allowed_lateness_ms) <= watermark_;
    if (!placed && late_record) {
      if (late_)
        late_->push_ref(rec, ts);
      else
        ++this->dropped_;
    }
    if (windows.empty())
      keys_.erase(it);
  }

  /// Merges `w` with the key's overlapping windows; returns the result.
  time_window merge_into(const K& key, window_map& windows, time_window w) {
    std::vector<typename window_map::iterator> overlapping;
    time_window merged = w;
    for (auto it = windows.begin(); it != windows.end(); ++it) {
      if (it->first.intersects(w)) {
        overlapping.push_back(it);
        merged = merged.cover(it->first);
      }
    }
    if (overlapping.empty() || (overlapping.size() == 1 && overlapping[0]->first == merged))
      return merged;
    window_state combined{initial_state(fn_), false, {0, 0}};
    bool first = true;
    for (auto it : overlapping) {
      auto& ws = it->second;
      if (ws.has_data) {
        fn_.merge(combined.state, std::move(ws.state));
        combined.has_data = true;
      }
      for (int i = 0; i < 2; ++i)
        combined.slots[i] = first ? ws.slots[i] : spec_.trigger->merge_slot(i, combined.slots[i], ws.slots[i]);
      first = false;
      ctx_impl old_ctx(*this, key, it->first, ws);
      spec_.trigger->clear(it->first, old_ctx);
      remove_cleanup(key, it->first);
      windows.erase(it);
    }
    auto wit = windows.emplace(merged, std::move(combined)).first;
    ctx_impl tctx(*this, key, wit->first, wit->second);
    spec_.trigger->on_merge(wit->first, tctx);
    return merged;
  }

  void on_timer(timestamp time, const K& key, const time_window& w, bool event_time) {
    auto kit = keys_.find(key);
    if (kit == keys_.end())
      return;
    auto& windows = kit->second;
    auto wit = windows.find(w);
    if (wit == windows.end())
      return;
    if (event_time && wit->second.pending_event_timer == time)
      wit->second.pending_event_timer = no_timestamp;  // this one just fired
    ctx_impl tctx(*this, kit->first, wit->first, wit->second);
    auto res = event_time ? spec_.trigger->on_event_time(time, wit->first, tctx)
                          : spec_.trigger->on_processing_time(time, wit->first, tctx);
    if (act(kit->first, windows, wit, res))
      return;
    if (event_time == spec_.assigner.event_time() && time == cleanup_time(w)) {
      ctx_impl cctx(*this, kit->first, wit->first, wit->second);
      spec_.trigger->clear(wit->first, cctx);
      windows.erase(wit);
      if (windows.empty())
        keys_.erase(kit);
    }
  }

  /// Applies a trigger result. Returns true if the window was erased.
  bool act(const K& key, window_map&, typename window_map::iterator wit, trigger_result res) {
    auto& ws = wit->second;
    if (fires(res) && ws.has_data)
      emit(key, wit->first, ws);
    if (purges(res)) {
      ws.state = initial_state(fn_);
      ws.has_data = false;
    }
    return false;
  }

  void emit(const K& key, const time_window& w, window_state& ws) {
    if (!ws.has_data)
      return;
    this->down_->set_output_timestamp(w.max_timestamp());
    window_context<K> wctx(key, w, watermark_, this->ctx_ ? this->ctx_->processing_time() : 0, sides_);
    fn_.emit(wctx, ws.state, *this->down_);
  }

  timestamp cleanup_time(const time_window& w) const {
    if (!spec_.assigner.event_time())
      return w.max_timestamp();
    return saturating_add(w.max_timestamp(), spec_.allowed_lateness_ms);
  }

  bool is_late(const time_window& w) const {
    return spec_.assigner.event_time() && cleanup_time(w) <= watermark_;
  }

  void register_cleanup(const K& key, const time_window& w) {
    if (spec_.assigner.event_time()) {
      event_timers_.add(cleanup_time(w), key, w);
    } else {
      processing_timers_.add(cleanup_time(w), key, w);
      request_processing_wakeup();
    }
  }

  void remove_cleanup(const K& key, const time_window& w) {
    if (spec_.assigner.event_time())
      event_timers_.remove(cleanup_time(w), key, w);
    else
      processing_timers_.remove(cleanup_time(w), key, w);
  }

  void request_processing_wakeup() {
    if (auto next = processing_timers_.next_time(); next && this->ctx_)
      this->ctx_->request_wakeup(*next);
  }

  side_outputs sides_;
  KeyFn key_fn_;
  window_spec<T> spec_;
  Fn fn_;
  collector<T>* late_ = nullptr;
  std::unordered_map<K, window_map, key_hasher<K>> keys_;
  timer_queue<K, time_window> event_timers_;
  timer_queue<K, time_window> processing_timers_;
  timestamp watermark_ = min_watermark;
  std::vector<time_window> windows_;
};

} // namespace rivulet
