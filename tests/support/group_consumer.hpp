#pragma once

// A minimal group member for coordinator tests: an actor that joins a
// consumer group through the coordinator actor's messages, computes a range
// assignment when it leads (runtime/group assignors + consumer protocol),
// syncs, heartbeats, and rejoins whenever the coordinator asks. It reports
// what happens to an observer as messages of builtin types:
//   (name, event, generation, member id, detail)
// with event "assigned" (detail: its partitions, "t-0,t-1"), "rebalance"
// (a heartbeat got REBALANCE_IN_PROGRESS), "error" (detail: "join 25"),
// "left". The string "leave" makes it leave the group and stop.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/type_ids.hpp"
#include "runtime/group/assignors.hpp"
#include "runtime/group/consumer_protocol.hpp"

namespace rivulet::testing {

struct group_consumer_config {
  caf::actor coordinator;
  std::string group_id;
  std::string name;
  std::vector<std::string> topics;
  /// Partition counts the member uses when it leads.
  group::partition_counts counts;
  std::int32_t session_timeout_ms = 300;
  std::int32_t rebalance_timeout_ms = 3000;
  std::chrono::milliseconds heartbeat_interval{40};
  std::chrono::milliseconds request_timeout{10000};
  caf::actor observer;
};

struct group_consumer_state {
  static inline const char* name = "rivulet.test_group_consumer";
  group_consumer_config cfg;
  std::string member_id;
  std::int32_t generation = -1;
  std::uint64_t epoch = 0; // heartbeat timers of an older epoch are stale
};

using group_consumer_t = caf::stateful_actor<group_consumer_state>;

inline void consumer_report(group_consumer_t* self, const std::string& event, const std::string& detail = {}) {
  auto& st = self->state;
  self->send(st.cfg.observer, st.cfg.name, event, st.generation, st.member_id, detail);
}

inline void consumer_join(group_consumer_t* self);

/// Restarts membership after an error; UNKNOWN_MEMBER_ID drops the id.
inline void consumer_rejoin_after(group_consumer_t* self, const std::string& what, std::int16_t code) {
  consumer_report(self, "error", what + " " + std::to_string(code));
  if (code == 25)
    self->state.member_id.clear();
  consumer_join(self);
}

inline void consumer_heartbeat_later(group_consumer_t* self) {
  self->delayed_send(self, self->state.cfg.heartbeat_interval, actors::tick_atom_v, self->state.epoch);
}

inline std::vector<actors::member_assignment> consumer_assign(group_consumer_t* self,
                                                                const actors::join_group_reply& r) {
  std::vector<group::member_subscription> subs;
  for (const auto& m : r.members) {
    auto s = group::decode_subscription(group::bytes(m.metadata.begin(), m.metadata.end()));
    if (s.ok())
      subs.push_back(group::to_member_subscription(m.member_id, *s.value));
  }
  std::vector<actors::member_assignment> out;
  for (const auto& [id, bytes] : group::encode_assignments(group::assign_range(subs, self->state.cfg.counts)))
    out.push_back({id, std::string(bytes.begin(), bytes.end())});
  return out;
}

inline void consumer_sync(group_consumer_t* self, std::vector<actors::member_assignment> assignments) {
  auto& st = self->state;
  actors::sync_group_request req{st.cfg.group_id, st.member_id, st.generation, std::move(assignments)};
  self->request(st.cfg.coordinator, st.cfg.request_timeout, req)
    .then(
      [self](const actors::sync_group_reply& r) {
        if (r.error_code != 0)
          return consumer_rejoin_after(self, "sync", r.error_code);
        auto a = group::decode_assignment(group::bytes(r.assignment.begin(), r.assignment.end()));
        std::string parts;
        if (a.ok())
          for (const auto& tp : group::flatten(a.value->partitions))
            parts += (parts.empty() ? "" : ",") + group::to_string(tp);
        consumer_report(self, "assigned", parts);
        consumer_heartbeat_later(self);
      },
      [self](const caf::error& e) { consumer_report(self, "error", "sync " + caf::to_string(e)); });
}

inline void consumer_join(group_consumer_t* self) {
  auto& st = self->state;
  ++st.epoch;
  group::consumer_subscription sub;
  sub.topics = st.cfg.topics;
  auto meta = group::encode_subscription(sub);
  actors::join_group_request req;
  req.group_id = st.cfg.group_id;
  req.member_id = st.member_id;
  req.client_id = st.cfg.name;
  req.session_timeout_ms = st.cfg.session_timeout_ms;
  req.rebalance_timeout_ms = st.cfg.rebalance_timeout_ms;
  req.protocol_type = group::consumer_protocol_type;
  req.protocols.push_back({"range", std::string(meta.begin(), meta.end())});
  self->request(st.cfg.coordinator, st.cfg.request_timeout, req)
    .then(
      [self](const actors::join_group_reply& r) {
        auto& st = self->state;
        if (r.error_code == 79) { // MEMBER_ID_REQUIRED: rejoin with the id
          st.member_id = r.member_id;
          return consumer_join(self);
        }
        if (r.error_code != 0)
          return consumer_rejoin_after(self, "join", r.error_code);
        st.member_id = r.member_id;
        st.generation = r.generation;
        consumer_sync(self, r.leader == r.member_id ? consumer_assign(self, r)
                                                    : std::vector<actors::member_assignment>{});
      },
      [self](const caf::error& e) { consumer_report(self, "error", "join " + caf::to_string(e)); });
}

inline caf::behavior group_consumer(group_consumer_t* self, group_consumer_config cfg) {
  self->state.cfg = std::move(cfg);
  consumer_join(self);
  return {
    [self](actors::tick_atom, std::uint64_t epoch) {
      auto& st = self->state;
      if (epoch != st.epoch)
        return;
      actors::heartbeat_request req{st.cfg.group_id, st.member_id, st.generation};
      self->request(st.cfg.coordinator, st.cfg.request_timeout, req)
        .then(
          [self, epoch](const actors::heartbeat_reply& r) {
            if (epoch != self->state.epoch)
              return;
            if (r.error_code == 0)
              return consumer_heartbeat_later(self);
            if (r.error_code == 27) {
              consumer_report(self, "rebalance");
              return consumer_join(self);
            }
            consumer_rejoin_after(self, "heartbeat", r.error_code);
          },
          [self](const caf::error& e) { consumer_report(self, "error", "heartbeat " + caf::to_string(e)); });
    },
    [self](const std::string& command) {
      auto& st = self->state;
      if (command != "leave")
        return;
      ++st.epoch;
      self->request(st.cfg.coordinator, st.cfg.request_timeout, actors::leave_group_request{st.cfg.group_id, st.member_id})
        .then(
          [self](const actors::leave_group_reply& r) {
            consumer_report(self, "left", std::to_string(r.error_code));
            self->quit();
          },
          [self](const caf::error& e) {
            consumer_report(self, "error", "leave " + caf::to_string(e));
            self->quit();
          });
    },
  };
}

} // namespace rivulet::testing
