#pragma once

// Payloads of the messages between task actors and the job supervisor. See
// docs/protocol.md for who sends what, when. `inspect()` overloads live here
// so that runtime/ stays CAF-free.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/save_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/sec.hpp>

#include "runtime/batch.hpp"
#include "runtime/task.hpp"

namespace rivulet::actors {

/// A batch passed by pointer between actors of one process. Remote
/// exchanges (a later issue) will send encoded bytes instead; until then
/// deserializing one is refused with an error rather than faked.
struct batch_handle {
  batch_ptr ptr;
};

/// Records for the receiver's input channel `channel`. Needs one credit.
struct data_msg {
  std::uint32_t channel = 0;
  batch_handle batch;
};

/// End of stream on the receiver's input channel `channel`. No credit.
struct end_msg {
  std::uint32_t channel = 0;
};

/// The receiver processed `credits` batches of the sender's output channel
/// `channel`; the sender may send that many more.
struct credit_msg {
  std::uint32_t channel = 0;
  std::uint32_t credits = 0;
};

/// Peers of one task instance, indexed by channel: where each output
/// channel goes (actor + its input channel there), and who feeds each input
/// channel (actor + its output channel there, for credits).
struct wiring_msg {
  std::vector<caf::actor> out_actors;
  std::vector<std::uint32_t> out_channels;
  std::vector<caf::actor> in_actors;
  std::vector<std::uint32_t> in_channels;
};

/// A task instance ended normally, with its counters.
struct task_done_msg {
  std::int32_t task = -1;
  std::int32_t instance = -1;
  task_metrics metrics;
};

/// A task instance failed; `operator_name` is empty when the failure was not
/// inside one operator's user function.
struct task_failed_msg {
  std::int32_t task = -1;
  std::int32_t instance = -1;
  std::string operator_name;
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_handle& x) {
  std::uint64_t records = x.ptr ? x.ptr->size() : 0;
  // Refuse both ways, so misuse fails at the sender, not only at the peer.
  auto refuse = []() -> caf::error { return caf::sec::state_not_serializable; };
  return f(caf::meta::type_name("batch_handle"), records, caf::meta::load_callback(refuse),
           caf::meta::save_callback(refuse));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, data_msg& x) {
  return f(caf::meta::type_name("data_msg"), x.channel, x.batch);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, end_msg& x) {
  return f(caf::meta::type_name("end_msg"), x.channel);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, credit_msg& x) {
  return f(caf::meta::type_name("credit_msg"), x.channel, x.credits);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wiring_msg& x) {
  return f(caf::meta::type_name("wiring_msg"), x.out_actors, x.out_channels, x.in_actors, x.in_channels);
}

} // namespace rivulet::actors

namespace rivulet {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_counters& x) {
  return f(caf::meta::type_name("node_counters"), x.node, x.records_in, x.records_out,
           x.records_dropped);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_metrics& x) {
  return f(caf::meta::type_name("task_metrics"), x.nodes, x.batches_sent, x.max_inflight_batches,
           x.max_inflight_records, x.max_pending_batches, x.max_queued_batches);
}

} // namespace rivulet

namespace rivulet::actors {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_done_msg& x) {
  return f(caf::meta::type_name("task_done_msg"), x.task, x.instance, x.metrics);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_failed_msg& x) {
  return f(caf::meta::type_name("task_failed_msg"), x.task, x.instance, x.operator_name, x.error);
}

} // namespace rivulet::actors
