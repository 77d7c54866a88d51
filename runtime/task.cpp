#include "runtime/task.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>

namespace rivulet {

task_chain build_chain(const job_graph& g, const physical_plan& plan, int task_id, int instance,
                       const job_config& cfg, channel_sink& sink) {
  auto& t = plan.tasks.at(static_cast<std::size_t>(task_id));
  task_chain c;
  auto& tail_node = g.node(t.chain.back());
  // Writers for each outgoing edge, grouped by the tail node's port.
  std::vector<std::vector<chain_link*>> outs_by_port(tail_node.side_ports.size() + 1);
  for (auto edge_id : t.out_edges) {
    auto& e = plan.edges[static_cast<std::size_t>(edge_id)];
    writer_args args;
    args.first_channel = plan.out_base(task_id, edge_id);
    args.channels = plan.fan_out(e);
    args.instance = instance;
    args.batch_size = cfg.batch_size;
    args.sink = &sink;
    auto w = e.edge->writer->make(args, e.kind);
    outs_by_port.at(static_cast<std::size_t>(e.port)).push_back(w.link.get());
    c.writers.push_back(w.buffers);
    c.owned.push_back(std::move(w.link));
  }
  auto& outs = outs_by_port[0];
  chain_link* down = nullptr;
  if (tail_node.kind != node_kind::sink) {
    if (outs.empty()) {
      c.owned.push_back(tail_node.impl->make_discard());
      down = c.owned.back().get();
    } else if (outs.size() == 1) {
      down = outs.front();
    } else {
      c.owned.push_back(tail_node.impl->make_fanout(outs));
      down = c.owned.back().get();
    }
  }
  c.tail = down;
  c.links.resize(t.chain.size());
  for (auto i = t.chain.size(); i-- > 0;) {
    auto& n = g.node(t.chain[i]);
    instance_info who{n.name, instance, t.parallelism};
    // Only the tail node's side ports can have consumers (the planner never
    // chains across a side edge); elsewhere side records are dropped.
    side_outputs sides;
    for (std::size_t p = 0; p < n.side_ports.size(); ++p) {
      auto& port = n.side_ports[p];
      bool is_tail = i + 1 == t.chain.size();
      c.owned.push_back(port.impl->make_tail(is_tail ? outs_by_port[p + 1] : std::vector<chain_link*>{}));
      sides.add(port.tag, port.type, c.owned.back().get());
      if (is_tail)
        c.side_tails.push_back(c.owned.back().get());
    }
    if (n.kind == node_kind::source) {
      auto src = n.impl->make_source(who, down, cfg);
      c.source = src.get();
      down = src.get();
      c.owned.push_back(std::move(src));
    } else {
      c.owned.push_back(n.impl->make_link(who, down, sides, cfg));
      down = c.owned.back().get();
    }
    c.links[i] = down;
  }
  c.head = down;
  c.head_impl = g.node(t.chain.front()).impl.get();
  return c;
}

task::task(const job_graph& g, const physical_plan& plan, int task_id, int instance,
           const job_config& cfg, task_transport& transport)
  : name_(plan.tasks.at(static_cast<std::size_t>(task_id)).name),
    instance_(instance),
    cfg_(cfg),
    transport_(transport) {
  auto& t = plan.tasks[static_cast<std::size_t>(task_id)];
  chain_ = build_chain(g, plan, task_id, instance, cfg, *this);
  chain_nodes_ = t.chain;
  outs_.resize(plan.out_routes(task_id, instance).size());
  for (auto& o : outs_)
    o.credit = cfg.credits;
  in_ended_.assign(plan.in_channels(task_id), false);
  inputs_open_ = in_ended_.size();
  valve_ = watermark_valve(in_ended_.size());
}

void task::open() {
  // Writers and sinks come first in `owned`: within a chain, a sink that
  // cannot open fails before its source reads anything.
  for (auto& link : chain_.owned)
    link->open(*this);
}

void task::start() {
  if (started_)
    return;
  started_ = true;
  if (chain_.source)
    transport_.schedule_step();
  else if (inputs_open_ == 0 && !chain_finished_)
    finish_chain();
}

void task::on_data(std::size_t in_channel, batch_ptr b) {
  if (in_channel >= in_ended_.size() || in_ended_[in_channel])
    throw std::logic_error("task '" + name_ + "' got data on closed or unknown channel "
                           + std::to_string(in_channel));
  queue_.push_back({in_channel, std::move(b)});
  stats_.max_queued_batches = std::max<std::uint64_t>(stats_.max_queued_batches, queue_.size());
  drain_input();
}

void task::on_end(std::size_t in_channel) {
  if (in_channel >= in_ended_.size() || in_ended_[in_channel])
    throw std::logic_error("task '" + name_ + "' got a second end of stream on channel "
                           + std::to_string(in_channel));
  in_ended_[in_channel] = true;
  // Queued behind the channel's batches, so its watermark effect (the
  // channel stops holding the valve back) comes after its last records.
  queue_.push_back({in_channel, nullptr});
  drain_input();
}

void task::on_credit(std::size_t out_channel, std::uint32_t n) {
  if (out_channel >= outs_.size())
    throw std::logic_error("task '" + name_ + "' got credit for unknown channel " + std::to_string(out_channel));
  auto& o = outs_[out_channel];
  // A receiver returns one credit per batch it got: more than what is in
  // flight means a peer broke the protocol.
  if (n > o.inflight_sizes.size())
    throw std::logic_error("task '" + name_ + "' got " + std::to_string(n) + " credits on channel "
                           + std::to_string(out_channel) + " with only "
                           + std::to_string(o.inflight_sizes.size()) + " batches in flight");
  for (std::uint32_t i = 0; i < n; ++i) {
    o.inflight_records -= o.inflight_sizes.front();
    o.inflight_sizes.pop_front();
  }
  o.credit += n;
  while (o.credit > 0 && !o.pending.empty()) {
    auto b = std::move(o.pending.front());
    o.pending.pop_front();
    send(out_channel, std::move(b));
  }
  maybe_send_end(out_channel);
  if (blocked())
    return;
  if (waiting_for_credit_) {
    waiting_for_credit_ = false;
    transport_.schedule_step();
  }
  if (wakeup_deferred_)
    deliver_wakeup();
  drain_input();
}

void task::on_step() {
  if (!chain_.source || chain_finished_)
    return;
  if (blocked()) {
    waiting_for_credit_ = true;
    return;
  }
  bool more = chain_.source->emit(cfg_.batch_size);
  chain_.head->on_batch_end();
  if (!more) {
    finish_chain();
    return;
  }
  after_records();
  if (blocked())
    waiting_for_credit_ = true;
  else
    transport_.schedule_step();
}

void task::on_flush_timer() {
  flush_scheduled_ = false;
  if (chain_finished_)
    return;
  for (auto* w : chain_.writers)
    w->flush();
}

void task::on_wakeup() {
  // Each scheduled wake-up message arrives once, earliest first: forget it
  // here (not by comparing with the clock: a reading a millisecond short
  // must not leave a stale entry that suppresses every later request).
  if (!wakeups_scheduled_.empty())
    wakeups_scheduled_.erase(wakeups_scheduled_.begin());
  deliver_wakeup();
}

void task::deliver_wakeup() {
  if (chain_finished_)
    return;
  // Timers may emit: like input, they wait while output is backed up.
  if (blocked()) {
    wakeup_deferred_ = true;
    return;
  }
  wakeup_deferred_ = false;
  auto now = transport_.now();
  chain_.head->on_processing_time(now);
  for (auto* side : chain_.side_tails)
    side->on_processing_time(now);
  after_records();
}

timestamp task::processing_time() const {
  return transport_.now();
}

void task::request_wakeup(timestamp at) {
  // One scheduled wake-up at or before `at` covers this request: links ask
  // again from on_processing_time for what is still due later.
  if (!wakeups_scheduled_.empty() && *wakeups_scheduled_.begin() <= at)
    return;
  wakeups_scheduled_.insert(at);
  auto delay = at - transport_.now();
  transport_.schedule_wakeup(std::chrono::milliseconds{delay > 0 ? delay : 0});
}

bool task::done() const noexcept {
  return chain_finished_ && ends_sent_ == outs_.size();
}

task_metrics task::metrics() const {
  auto m = stats_;
  m.nodes.clear();
  for (std::size_t i = 0; i < chain_nodes_.size(); ++i) {
    node_counters nc;
    nc.node = chain_nodes_[i];
    nc.records_in = chain_.source && i == 0 ? 0 : chain_.links[i]->records_in();
    auto* next = i + 1 < chain_.links.size() ? chain_.links[i + 1] : chain_.tail;
    nc.records_out = next ? next->records_in() : 0;
    nc.records_dropped = chain_.links[i]->records_dropped();
    m.nodes.push_back(nc);
  }
  return m;
}

void task::emit_batch(std::size_t ch, batch_ptr b) {
  auto& o = outs_.at(ch);
  assert(!o.end_requested);
  if (o.credit > 0 && o.pending.empty()) {
    send(ch, std::move(b));
    return;
  }
  o.pending.push_back(std::move(b));
  stats_.max_pending_batches = std::max<std::uint64_t>(stats_.max_pending_batches, o.pending.size());
}

void task::send(std::size_t ch, batch_ptr b) {
  auto& o = outs_[ch];
  --o.credit;
  auto n = b->size();
  o.inflight_sizes.push_back(n);
  o.inflight_records += n;
  stats_.max_inflight_batches = std::max<std::uint64_t>(stats_.max_inflight_batches,
                                                        o.inflight_sizes.size());
  stats_.max_inflight_records = std::max(stats_.max_inflight_records, o.inflight_records);
  ++stats_.batches_sent;
  transport_.send_data(ch, std::move(b));
}

bool task::blocked() const noexcept {
  for (auto& o : outs_)
    if (!o.pending.empty())
      return true;
  return false;
}

void task::drain_input() {
  while (!queue_.empty() && !blocked()) {
    auto q = std::move(queue_.front());
    queue_.pop_front();
    process(q);
  }
  if (queue_.empty() && inputs_open_ == 0 && !chain_finished_ && !chain_.source)
    finish_chain();
}

void task::process(queued_batch& q) {
  if (!q.data) {
    --inputs_open_;
    forward_watermark(valve_.on_end(q.channel));
    forward_idle_status();
    return;
  }
  auto& b = *q.data;
  if (b.size() > 0) {
    valve_.on_records(q.channel);
    forward_idle_status();
    chain_.head_impl->drain(b, *chain_.head);
  }
  if (b.watermark != min_watermark)
    forward_watermark(valve_.on_watermark(q.channel, b.watermark));
  if (b.idle)
    forward_watermark(valve_.on_idle(q.channel));
  forward_idle_status();
  chain_.head->on_batch_end();
  q.data.reset();
  transport_.send_credit(q.channel, 1);
  after_records();
}

void task::forward_watermark(std::optional<timestamp> wm) {
  if (!wm || *wm <= watermark_out_)
    return;
  watermark_out_ = *wm;
  chain_.head->on_watermark(*wm);
  for (auto* side : chain_.side_tails)
    side->on_watermark(*wm);
}

void task::forward_idle_status() {
  bool idle = valve_.output_idle();
  if (idle == idle_out_)
    return;
  idle_out_ = idle;
  chain_.head->on_idle_status(idle);
  for (auto* side : chain_.side_tails)
    side->on_idle_status(idle);
}

void task::after_records() {
  if (flush_scheduled_)
    return;
  for (auto* w : chain_.writers) {
    if (w->has_partial()) {
      if (cfg_.linger.count() == 0) {
        for (auto* x : chain_.writers)
          x->flush();
      } else {
        flush_scheduled_ = true;
        transport_.schedule_flush(cfg_.linger);
      }
      return;
    }
  }
}

void task::finish_chain() {
  chain_finished_ = true;
  // End of input is the end of event time: every event-time timer fires.
  forward_watermark(max_watermark);
  chain_.head->finish();
  for (auto* side : chain_.side_tails)
    side->finish();
  for (std::size_t ch = 0; ch < outs_.size(); ++ch) {
    outs_[ch].end_requested = true;
    maybe_send_end(ch);
  }
}

void task::maybe_send_end(std::size_t ch) {
  auto& o = outs_[ch];
  if (o.end_requested && !o.end_sent && o.pending.empty()) {
    o.end_sent = true;
    ++ends_sent_;
    transport_.send_end(ch);
  }
}

} // namespace rivulet
