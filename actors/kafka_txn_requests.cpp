// Kafka's transaction APIs on the listener: AddPartitionsToTxn,
// AddOffsetsToTxn and EndTxn go to the transactional id's coordinator
// (actors/txn_coordinator_actor.*), TxnOffsetCommit to the group's
// coordinator; this node must host them. Design: docs/design/0002-transactions.md.

#include <caf/all.hpp>

#include "actors/kafka_coordinator_calls.hpp"
#include "actors/kafka_requests.hpp"
#include "actors/type_ids.hpp"
#include "io/kafka/add_offsets_to_txn.hpp"
#include "io/kafka/add_partitions_to_txn.hpp"
#include "io/kafka/end_txn.hpp"
#include "io/kafka/txn_offset_commit.hpp"

namespace rivulet::actors {

namespace {

namespace kafka = io::kafka;
using namespace kafka_detail;

/// Sends `msg` to the coordinator of transactional id `id` and answers
/// with the error code of its txn_reply.
template <class Message, class Answer>
void ask_txn_coordinator(kafka_request_context& ctx, const std::string& id, Message msg, Answer answer) {
  auto self = ctx.self;
  auto timeout = ctx.cfg->request_timeout;
  with_coordinator(
    ctx, id,
    [self, msg, timeout, answer](caf::actor coordinator) {
      self->request(coordinator, timeout, msg)
        .then([answer](txn_reply& r) { answer(r.error_code); }, [answer](caf::error&) { answer(request_timed_out); });
    },
    answer, true);
}

void add_partitions_to_txn(kafka_request_context& ctx, kafka::request& req) {
  auto h = owned(req.header);
  auto body = kafka::decode_add_partitions_to_txn_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("AddPartitionsToTxn v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  add_to_txn_request add{std::string(body->transactional_id), body->producer_id, body->producer_epoch, {}, {}, {}};
  for (auto& t : body->topics)
    for (auto p : t.partitions) {
      add.topics.emplace_back(t.name);
      add.partitions.push_back(p);
    }
  auto deliver = ctx.deliver;
  auto answer = [h, deliver, add](std::int16_t code) {
    kafka::add_partitions_to_txn_response resp;
    for (std::size_t i = 0; i < add.topics.size(); ++i) {
      if (resp.results.empty() || resp.results.back().name != add.topics[i])
        resp.results.push_back({add.topics[i], {}});
      resp.results.back().results.push_back({add.partitions[i], code});
    }
    deliver(kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_add_partitions_to_txn_response(w, resp, h.api_version); }));
  };
  ask_txn_coordinator(ctx, add.transactional_id, add, answer);
}

void add_offsets_to_txn(kafka_request_context& ctx, kafka::request& req) {
  auto h = owned(req.header);
  auto body = kafka::decode_add_offsets_to_txn_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("AddOffsetsToTxn v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  add_to_txn_request add{std::string(body->transactional_id), body->producer_id, body->producer_epoch, {}, {},
                         std::string(body->group_id)};
  auto deliver = ctx.deliver;
  auto answer = [h, deliver](std::int16_t code) {
    kafka::add_offsets_to_txn_response resp;
    resp.error_code = code;
    deliver(kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_add_offsets_to_txn_response(w, resp, h.api_version); }));
  };
  if (add.group.empty()) {
    answer(invalid_request);
    return;
  }
  ask_txn_coordinator(ctx, add.transactional_id, add, answer);
}

void end_txn(kafka_request_context& ctx, kafka::request& req) {
  auto h = owned(req.header);
  auto body = kafka::decode_end_txn_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("EndTxn v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  end_txn_request end{std::string(body->transactional_id), body->producer_id, body->producer_epoch, body->committed};
  auto deliver = ctx.deliver;
  auto answer = [h, deliver](std::int16_t code) {
    kafka::end_txn_response resp;
    resp.error_code = code;
    deliver(kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_end_txn_response(w, resp, h.api_version); }));
  };
  ask_txn_coordinator(ctx, end.transactional_id, end, answer);
}

void txn_offset_commit(kafka_request_context& ctx, kafka::request& req) {
  auto h = owned(req.header);
  auto body = kafka::decode_txn_offset_commit_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("TxnOffsetCommit v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  offset_commit_request oc;
  oc.group_id = std::string(body->group_id);
  oc.producer_id = body->producer_id;
  oc.producer_epoch = body->producer_epoch;
  add_offsets(oc, *body);
  ask_group_to_commit<kafka::txn_offset_commit_response>(
    ctx, std::move(oc), [h](const kafka::txn_offset_commit_response& resp) {
      return kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_txn_offset_commit_response(w, resp, h.api_version); });
    });
}

} // namespace

bool dispatch_kafka_txn_request(kafka_request_context& ctx, io::kafka::request& req) {
  switch (req.header.key) {
    case kafka::api_key::add_partitions_to_txn: add_partitions_to_txn(ctx, req); return true;
    case kafka::api_key::add_offsets_to_txn: add_offsets_to_txn(ctx, req); return true;
    case kafka::api_key::end_txn: end_txn(ctx, req); return true;
    case kafka::api_key::txn_offset_commit: txn_offset_commit(ctx, req); return true;
    default: return false;
  }
}

} // namespace rivulet::actors
