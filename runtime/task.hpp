#pragma once

// One running instance of a physical task, as a plain state machine: the
// operator chain plus the credit-based flow control on its channels. The
// actor that hosts it (actors/task_actor) turns messages into calls here and
// the transport calls back into messages, so this logic runs and is tested
// without CAF.
//
// Flow control: a sender starts with `credits` batches of credit per output
// channel and spends one per batch sent; the receiver returns one credit for
// each batch it has processed. A batch without credit waits in the
// channel's pending queue, and while any output channel has pending
// batches the task takes no new input (sources stop producing). So at most
// `credits` batches per channel are in flight or queued at the receiver,
// and a pending queue holds no more than what one input batch (or source
// step, or end-of-input flush) expanded to. docs/architecture.md states
// the bound in full.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <optional>
#include <set>

#include "runtime/job_graph.hpp"
#include "runtime/plan.hpp"
#include "runtime/watermark_valve.hpp"

namespace rivulet {

/// How a task reaches its peers. Implemented by the hosting actor.
class task_transport {
public:
  virtual ~task_transport() = default;
  virtual void send_data(std::size_t out_channel, batch_ptr b) = 0;
  /// End of stream on `out_channel`; sent after its last batch.
  virtual void send_end(std::size_t out_channel) = 0;
  virtual void send_credit(std::size_t in_channel, std::uint32_t n) = 0;
  /// Asks for on_step() to run soon (sources: produce the next records).
  virtual void schedule_step() = 0;
  /// Asks for on_flush_timer() after `delay`.
  virtual void schedule_flush(std::chrono::microseconds delay) = 0;
  /// Current processing time in ms (virtual under the deterministic scheduler).
  virtual timestamp now() const = 0;
  /// Asks for on_wakeup() after `delay`.
  virtual void schedule_wakeup(std::chrono::milliseconds delay) = 0;
};

/// Counters of one operator within one task instance.
struct node_counters {
  int node = -1;
  std::uint64_t records_in = 0;
  std::uint64_t records_out = 0;
  std::uint64_t records_dropped = 0;
};

/// What a task instance observed; summed per operator by the supervisor.
struct task_metrics {
  std::vector<node_counters> nodes;
  std::uint64_t batches_sent = 0;
  /// Highest number of batches / records sent on one channel and not yet
  /// credited back by the receiver.
  std::uint64_t max_inflight_batches = 0;
  std::uint64_t max_inflight_records = 0;
  /// Highest number of batches waiting for credit on one output channel.
  std::uint64_t max_pending_batches = 0;
  /// Highest number of received batches waiting to be processed.
  std::uint64_t max_queued_batches = 0;
};

/// The chain of one task instance, built from the plan.
struct task_chain {
  std::vector<std::unique_ptr<chain_link>> owned;
  source_link* source = nullptr;
  chain_link* head = nullptr;
  const node_impl* head_impl = nullptr;
  /// links[i] runs plan.tasks[t].chain[i]; `tail` follows the last one.
  std::vector<chain_link*> links;
  chain_link* tail = nullptr;
  /// Tails of the chain's side outputs; control events reach them after
  /// the main chain.
  std::vector<chain_link*> side_tails;
  std::vector<flushable*> writers;
};

class task final : private channel_sink, private link_context {
public:
  task(const job_graph& g, const physical_plan& plan, int task_id, int instance,
       const job_config& cfg, task_transport& transport);

  /// Opens every link of the chain (files to read or write). The host calls
  /// it before any task of the job starts, so no data arrives earlier.
  void open();
  /// A source schedules its first step; a task with no input channels
  /// (a valid plan has none) ends at once.
  void start();
  void on_data(std::size_t in_channel, batch_ptr b);
  void on_end(std::size_t in_channel);
  void on_credit(std::size_t out_channel, std::uint32_t n);
  void on_step();
  void on_flush_timer();
  /// A processing-time wake-up some link asked for is due.
  void on_wakeup();

  /// True once all input is processed and every output channel has sent
  /// its end of stream: the host may stop.
  bool done() const noexcept;

  task_metrics metrics() const;
  const std::string& name() const noexcept {
    return name_;
  }
  int instance() const noexcept {
    return instance_;
  }

private:
  struct out_channel {
    std::uint32_t credit = 0;
    std::deque<batch_ptr> pending;
    std::deque<std::size_t> inflight_sizes;
    std::uint64_t inflight_records = 0;
    bool end_requested = false;
    bool end_sent = false;
  };
  /// A received batch, or (data == null) the end of its channel.
  struct queued_batch {
    std::size_t channel;
    batch_ptr data;
  };

  void emit_batch(std::size_t out_channel, batch_ptr b) override;
  timestamp processing_time() const override;
  void request_wakeup(timestamp at) override;
  void process(queued_batch& q);
  void deliver_wakeup();
  void forward_watermark(std::optional<timestamp> wm);
  void forward_idle_status();
  void send(std::size_t ch, batch_ptr b);
  bool blocked() const noexcept;
  void drain_input();
  void after_records();
  void finish_chain();
  void maybe_send_end(std::size_t ch);

  std::string name_;
  int instance_;
  job_config cfg_;
  task_transport& transport_;
  task_chain chain_;
  std::vector<int> chain_nodes_;
  std::vector<out_channel> outs_;
  std::vector<bool> in_ended_;
  std::size_t inputs_open_ = 0;
  std::deque<queued_batch> queue_;
  watermark_valve valve_{0};
  timestamp watermark_out_ = min_watermark;
  bool idle_out_ = false;
  /// Wake-ups scheduled with the transport and not yet delivered.
  std::multiset<timestamp> wakeups_scheduled_;
  /// A wake-up arrived while blocked; delivered once output drains.
  bool wakeup_deferred_ = false;
  bool started_ = false;
  bool chain_finished_ = false;
  bool waiting_for_credit_ = false;
  bool flush_scheduled_ = false;
  std::size_t ends_sent_ = 0;
  task_metrics stats_;
};

/// Builds the chain of (task_id, instance): operator links from the nodes'
/// impls, then the output writers of the task's outgoing edges.
task_chain build_chain(const job_graph& g, const physical_plan& plan, int task_id, int instance,
                       const job_config& cfg, channel_sink& sink);

} // namespace rivulet
