#pragma once

// Internal to the Kafka listener's coordinator handlers
// (actors/kafka_group_requests.cpp, actors/kafka_txn_requests.cpp): finding
// the group or transaction coordinator actor on this node, and committing
// offsets through a group coordinator.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/kafka_listener.hpp"
#include "actors/kafka_requests.hpp"
#include "actors/type_ids.hpp"
#include "io/kafka/protocol.hpp"

namespace rivulet::actors::kafka_detail {

namespace kafka = io::kafka;

constexpr std::int16_t not_coordinator = 16;
constexpr std::int16_t coordinator_not_available = 15;
constexpr std::int16_t request_timed_out = 7;
constexpr std::int16_t invalid_request = 42;

inline kafka::request_header owned(const kafka::request_header& h) {
  auto copy = h;
  copy.client_id.reset();  // views the frame, which dies after dispatch
  return copy;
}

/// Finds the coordinator actor of `group` on this node and calls
/// on_found(actor), else on_error(Kafka error code).
template <class OnFound, class OnError>
void with_coordinator(kafka_request_context& ctx, const std::string& group, OnFound on_found, OnError on_error,
                      bool transaction = false) {
  auto self_node = ctx.cfg->node_id;
  ctx.self->request(ctx.node, ctx.cfg->request_timeout, find_coordinator_request{group, 0, transaction})
    .then(
      [=](find_coordinator_reply& r) mutable {
        if (!r.ok)
          on_error(coordinator_not_available);
        else if (r.node != self_node)
          on_error(not_coordinator);
        else
          on_found(r.coordinator);
      },
      [=](caf::error&) mutable { on_error(coordinator_not_available); });
}

/// The partitions of an OffsetCommit or TxnOffsetCommit body, in order.
template <class Body>
void add_offsets(offset_commit_request& oc, const Body& body) {
  for (auto& t : body.topics)
    for (auto& p : t.partitions) {
      offset_commit_partition cp;
      cp.topic = std::string(t.name);
      cp.partition = p.partition_index;
      cp.offset = p.committed_offset;
      if (p.committed_metadata) {
        cp.has_metadata = true;
        cp.metadata = std::string(*p.committed_metadata);
      }
      oc.offsets.push_back(std::move(cp));
    }
}

/// Sends `oc` to its group's coordinator and answers with a Response
/// (topics[name, partitions[index, error]]) framed by `frame`, one error
/// code per partition in request order.
template <class Response, class Frame>
void ask_group_to_commit(kafka_request_context& ctx, offset_commit_request oc, Frame frame) {
  auto deliver = ctx.deliver;
  auto answer = [deliver, oc, frame](const std::vector<std::int16_t>& codes) {
    Response resp;
    for (std::size_t i = 0; i < oc.offsets.size(); ++i) {
      auto& o = oc.offsets[i];
      if (resp.topics.empty() || resp.topics.back().name != o.topic)
        resp.topics.push_back({o.topic, {}});
      resp.topics.back().partitions.push_back({o.partition, i < codes.size() ? codes[i] : std::int16_t{-1}});
    }
    deliver(frame(resp));
  };
  auto all = [answer, n = oc.offsets.size()](std::int16_t code) { answer(std::vector<std::int16_t>(n, code)); };
  auto self = ctx.self;
  auto timeout = ctx.cfg->request_timeout;
  with_coordinator(
    ctx, oc.group_id,
    [self, oc, timeout, answer, all](caf::actor coordinator) {
      self->request(coordinator, timeout, oc)
        .then(
          [answer](offset_commit_reply& r) {
            std::vector<std::int16_t> codes;
            for (auto& p : r.partitions)
              codes.push_back(p.error_code);
            answer(codes);
          },
          [all](caf::error&) { all(request_timed_out); });
    },
    all);
}

} // namespace rivulet::actors::kafka_detail
