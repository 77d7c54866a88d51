#include "actors/txn_coordinator_actor.hpp"

#include <map>
#include <optional>
#include <random>
#include <set>
#include <variant>

#include <caf/all.hpp>

#include "actors/coordinator_records.hpp"
#include "actors/type_ids.hpp"
#include "io/kafka/record_batch_builder.hpp"
#include "runtime/log.hpp"

namespace rivulet::actors {

namespace {

using group::error_code;
using group::txn_metadata;
using group::txn_status;
using group::wire_value;

struct txn_actor_state {
  static inline const char* name = "rivulet.txn_coordinator";
  txn_coordinator_config cfg;
  std::optional<group::txn_coordinator> coord;
  std::string where; // "transaction coordinator of 't'"
  bool loading = true;
  std::int64_t load_target = -1;
  int load_failures = 0;
  /// Markers and group ends still unacknowledged for the durable prepare state.
  std::set<group::topic_partition> markers_left;
  std::set<std::string> groups_left;
  /// Sent and not answered yet: never sent twice at once, so a marker of
  /// this transaction cannot land after a newer one (design 0002, 5).
  std::set<group::topic_partition> markers_in_flight;
  std::set<std::string> groups_in_flight;
  bool completing = false;
  /// EndTxn requests answered once the transaction is complete.
  std::vector<caf::typed_response_promise<txn_reply>> waiting_end;
  std::mt19937_64 rng{std::random_device{}()};
};

using txn_actor_t = caf::stateful_actor<txn_actor_state>;

std::int64_t now_ms(txn_actor_t* self) {
  using namespace std::chrono;
  return duration_cast<milliseconds>(self->clock().now().time_since_epoch()).count();
}

error_code gate(txn_actor_t* self, const std::string& id) {
  auto& st = self->state;
  if (id != st.cfg.transactional_id)
    return error_code::not_coordinator;
  if (st.loading)
    return error_code::coordinator_load_in_progress;
  return error_code::none;
}

void go_dead(txn_actor_t* self, const std::string& why) {
  auto& st = self->state;
  RIVULET_LOG(log_level::warn, "txn", st.where << ": " << why);
  for (auto& p : st.waiting_end)
    p.deliver(txn_reply{wire_value(error_code::not_coordinator)});
  st.waiting_end.clear();
  self->quit(caf::make_error(caf::sec::runtime_error, st.where + ": " + why));
}

/// A marker batch as Kafka's coordinator writes it: control + transactional
/// attributes, the producer's id and epoch, one record with key (version 0,
/// type 0 abort / 1 commit) and value (version 0, coordinator epoch).
std::string marker_batch(const txn_metadata& m, std::int32_t coordinator_epoch, std::int64_t timestamp_ms) {
  io::kafka::record_batch_builder b;
  b.set_producer(m.producer_id, m.epoch, -1).set_transactional(true).set_control(true);
  std::uint8_t key[4] = {0, 0, 0, static_cast<std::uint8_t>(m.status == txn_status::prepare_commit ? 1 : 0)};
  auto e = static_cast<std::uint32_t>(coordinator_epoch);
  std::uint8_t value[6] = {0,
                           0,
                           static_cast<std::uint8_t>(e >> 24),
                           static_cast<std::uint8_t>(e >> 16),
                           static_cast<std::uint8_t>(e >> 8),
                           static_cast<std::uint8_t>(e)};
  (void)b.append(timestamp_ms, io::kafka::bytes_view(key, sizeof key), io::kafka::bytes_view(value, sizeof value));
  auto built = b.build(0);
  return std::string(built->begin(), built->end());
}

void send_markers(txn_actor_t* self);
void tick(txn_actor_t* self);

/// Persists `next` (acks=all), then calls done(true); on failure the
/// coordinator can no longer trust its partition and quits.
void persist(txn_actor_t* self, txn_metadata next, std::function<void()> done) {
  auto& st = self->state;
  auto batch = encode_coordinator_batch({group::encode_txn_record(next)}, now_ms(self));
  if (!batch)
    return go_dead(self, "cannot encode state: " + batch.error().to_string());
  self->request(st.cfg.state_partition, st.cfg.request_timeout, produce_request{std::move(*batch), -1})
    .then(
      [self, next, done](const produce_reply& r) {
        if (!r.ok)
          return go_dead(self, "state write refused: " + r.error);
        self->state.coord->persisted(next);
        done();
      },
      [self](const caf::error& e) { go_dead(self, "state write failed: " + caf::to_string(e)); });
}

/// A prepare state is durable: write its markers and group ends.
void start_completion(txn_actor_t* self) {
  auto& st = self->state;
  const auto& m = *st.coord->current();
  st.markers_left = m.partitions;
  st.groups_left = m.groups;
  st.completing = true;
  RIVULET_LOG(log_level::info, "txn", st.where << ": " << group::to_string(m.status) << " of producer "
                                               << m.producer_id << " epoch " << m.epoch << ": markers to "
                                               << m.partitions.size() << " partitions, " << m.groups.size()
                                               << " groups");
  send_markers(self);
}

void finish_if_done(txn_actor_t* self) {
  auto& st = self->state;
  if (!st.completing || !st.markers_left.empty() || !st.groups_left.empty())
    return;
  st.completing = false;
  auto next = st.coord->complete();
  persist(self, next, [self] {
    auto& st = self->state;
    for (auto& p : st.waiting_end)
      p.deliver(txn_reply{});
    st.waiting_end.clear();
  });
}

/// Sends every marker and group end not yet acknowledged; failures are
/// retried on later ticks.
void send_markers(txn_actor_t* self) {
  auto& st = self->state;
  const auto m = *st.coord->current();
  bool commit = m.status == txn_status::prepare_commit;
  auto marker = marker_batch(m, st.cfg.coordinator_epoch, now_ms(self));
  for (const auto& tp : st.markers_left) {
    if (!st.markers_in_flight.insert(tp).second)
      continue;
    produce_request pr{marker, -1, true};
    self->request(st.cfg.node, st.cfg.request_timeout, topic_produce{tp.topic, tp.partition, pr, 0})
      .then(
        [self, tp, epoch = m.epoch](const produce_reply& r) {
          auto& st = self->state;
          st.markers_in_flight.erase(tp);
          if (!r.ok) {
            // A stale epoch means a newer marker already closed it here.
            if (r.error.find("is fenced") == std::string::npos) {
              RIVULET_LOG(log_level::debug, "txn", st.where << ": marker to " << group::to_string(tp)
                                                           << " epoch " << epoch << " failed, retrying: " << r.error);
              return;
            }
          }
          st.markers_left.erase(tp);
          finish_if_done(self);
        },
        [self, tp](const caf::error&) { self->state.markers_in_flight.erase(tp); /* retried on a later tick */ });
  }
  for (const auto& g : st.groups_left) {
    if (!st.groups_in_flight.insert(g).second)
      continue;
    auto end = txn_offsets_end{g, m.producer_id, commit, m.epoch};
    auto landed = [self, g](bool ok) {
      auto& st = self->state;
      st.groups_in_flight.erase(g);
      if (!ok)
        return;
      st.groups_left.erase(g);
      finish_if_done(self);
    };
    self->request(st.cfg.node, st.cfg.request_timeout, find_coordinator_request{g, 0, false})
      .then(
        [self, end, landed](const find_coordinator_reply& r) {
          if (!r.ok || !r.coordinator)
            return landed(false);
          self->request(r.coordinator, self->state.cfg.request_timeout, end)
            .then([landed](const txn_reply& reply) { landed(reply.error_code == 0); },
                  [landed](const caf::error&) { landed(false); });
        },
        [landed](const caf::error&) { landed(false); });
  }
}

// -- load ---------------------------------------------------------------------

void load_from(txn_actor_t* self, std::int64_t offset) {
  auto& st = self->state;
  fetch_request req;
  req.offset = offset;
  req.max_bytes = 1 << 20;
  auto retry = [self, offset](const std::string& why) {
    auto& st = self->state;
    if (++st.load_failures >= st.cfg.load_attempts)
      return go_dead(self, "cannot load: " + why);
    load_from(self, offset);
  };
  self->request(st.cfg.state_partition, st.cfg.request_timeout, req)
    .then(
      [self, offset, retry](const fetch_reply& r) {
        auto& st = self->state;
        if (!r.ok)
          return retry(r.error);
        if (st.load_target < 0)
          st.load_target = r.high_watermark;
        auto next = for_each_coordinator_record(r.batches, offset, st.load_target,
                                                [&](const group::coordinator_record& cr) {
                                                  auto m = group::decode_txn_record(cr);
                                                  if (m.ok() && m.value->transactional_id == st.cfg.transactional_id)
                                                    st.coord->replay(*m.value);
                                                });
        if (auto* why = std::get_if<std::string>(&next))
          return go_dead(self, "cannot load: " + *why);
        auto at = std::get<std::int64_t>(next);
        if (at < st.load_target)
          return load_from(self, at);
        st.loading = false;
        const auto& cur = st.coord->current();
        RIVULET_LOG(log_level::info, "txn", st.where << ": loaded below offset " << st.load_target << ": "
                                                     << (cur ? group::to_string(cur->status) : "new id"));
        if (cur && (cur->status == txn_status::prepare_commit || cur->status == txn_status::prepare_abort))
          start_completion(self); // finish what the previous coordinator began
        tick(self);
      },
      [retry](const caf::error& e) { retry(caf::to_string(e)); });
}

void tick(txn_actor_t* self) {
  auto& st = self->state;
  if (st.completing) {
    send_markers(self);
  } else if (auto abort = st.coord->expire(now_ms(self))) {
    RIVULET_LOG(log_level::info, "txn", st.where << ": transaction of producer " << abort->producer_id
                                                 << " timed out after " << abort->timeout_ms
                                                 << " ms; aborting with epoch " << abort->epoch);
    persist(self, *abort, [self] { start_completion(self); });
  }
  self->delayed_send(self, st.cfg.tick_interval, tick_atom_v);
}

// -- requests -----------------------------------------------------------------

caf::result<init_producer_id_reply> init_producer(txn_actor_t* self, const init_producer_id_request& req) {
  auto& st = self->state;
  if (auto e = gate(self, req.transactional_id); e != error_code::none)
    return init_producer_id_reply{wire_value(e), -1, -1};
  auto fresh = static_cast<std::int64_t>(st.rng() >> 1);
  auto step = st.coord->init_producer(req.timeout_ms, now_ms(self), fresh);
  if (!step.write)
    return init_producer_id_reply{wire_value(step.error), -1, -1};
  if (step.error != error_code::none) {
    // Fencing an ongoing transaction: abort it; the client retries.
    persist(self, *step.write, [self] { start_completion(self); });
    return init_producer_id_reply{wire_value(step.error), -1, -1};
  }
  auto promise = self->make_response_promise<init_producer_id_reply>();
  auto next = *step.write;
  persist(self, next, [self, promise, next]() mutable {
    RIVULET_LOG(log_level::info, "txn", self->state.where << ": producer id " << next.producer_id << " epoch "
                                                          << next.epoch);
    promise.deliver(init_producer_id_reply{0, next.producer_id, next.epoch});
  });
  return promise;
}

caf::result<txn_reply> add(txn_actor_t* self, const add_to_txn_request& req) {
  auto& st = self->state;
  if (auto e = gate(self, req.transactional_id); e != error_code::none)
    return txn_reply{wire_value(e)};
  std::vector<group::topic_partition> tps;
  for (std::size_t i = 0; i < req.topics.size() && i < req.partitions.size(); ++i)
    tps.push_back({req.topics[i], req.partitions[i]});
  std::optional<std::string> g;
  if (!req.group.empty())
    g = req.group;
  auto step = st.coord->add(req.producer_id, req.epoch, tps, g, now_ms(self));
  if (!step.write)
    return txn_reply{wire_value(step.error)};
  auto promise = self->make_response_promise<txn_reply>();
  persist(self, *step.write, [promise]() mutable { promise.deliver(txn_reply{}); });
  return promise;
}

caf::result<txn_reply> end(txn_actor_t* self, const end_txn_request& req) {
  auto& st = self->state;
  if (auto e = gate(self, req.transactional_id); e != error_code::none)
    return txn_reply{wire_value(e)};
  auto step = st.coord->end(req.producer_id, req.epoch, req.commit);
  if (!step.write)
    return txn_reply{wire_value(step.error)};
  auto promise = self->make_response_promise<txn_reply>();
  st.waiting_end.push_back(promise);
  persist(self, *step.write, [self] { start_completion(self); });
  return promise;
}

caf::behavior txn_coordinator(txn_actor_t* self, txn_coordinator_config cfg) {
  auto& st = self->state;
  st.where = "transaction coordinator of '" + cfg.transactional_id + "'";
  st.coord.emplace(cfg.transactional_id, cfg.txn);
  st.cfg = std::move(cfg);
  self->monitor(st.cfg.state_partition);
  self->set_down_handler([self](caf::down_msg& m) {
    if (m.source == self->state.cfg.state_partition.address())
      go_dead(self, "state partition down: " + caf::to_string(m.reason));
  });
  load_from(self, 0);
  return {
    [self](tick_atom) { tick(self); },
    [self](const init_producer_id_request& req) { return init_producer(self, req); },
    [self](const add_to_txn_request& req) { return add(self, req); },
    [self](const end_txn_request& req) { return end(self, req); },
  };
}

} // namespace

caf::actor spawn_txn_coordinator(caf::actor_system& sys, txn_coordinator_config cfg) {
  return sys.spawn(txn_coordinator, std::move(cfg));
}

} // namespace rivulet::actors
