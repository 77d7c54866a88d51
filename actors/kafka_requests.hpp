#pragma once

// Kafka requests to node messages and back: one function per API, called
// by the listener (actors/kafka_listener.cpp) for each parsed request.

#include <functional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/io/fwd.hpp>

#include "io/kafka/protocol.hpp"

namespace rivulet::actors {

struct kafka_listener_config;

/// What a handler needs: the broker (to make requests), the node, the
/// listener's settings, and how to answer. `deliver` takes the whole
/// response frame (empty: no response, e.g. Produce with acks=0); `fail`
/// closes the connection with a reason (malformed or unsupported input).
struct kafka_request_context {
  caf::io::broker* self;
  caf::actor node;
  const kafka_listener_config* cfg;
  std::function<void(std::vector<std::uint8_t>)> deliver;
  std::function<void(const std::string&)> fail;
};

/// A whole response frame for `h`: size prefix, response header, and the
/// body `encode(wire_writer&)` writes at the request's version.
template <class Encode>
std::vector<std::uint8_t> kafka_response_frame(const io::kafka::request_header& h, Encode encode) {
  std::vector<std::uint8_t> out;
  auto start = io::kafka::begin_response(out, h.key, h.api_version, h.correlation_id);
  io::kafka::wire_writer w{out};
  encode(w);
  io::kafka::finish_frame(out, start);
  return out;
}

/// Answers (now or later) one request; `req.body` views the frame, which
/// lives only during this call.
void dispatch_kafka_request(kafka_request_context& ctx, io::kafka::request& req);

/// FindCoordinator, InitProducerId and the group APIs
/// (actors/kafka_group_requests.cpp); false for any other API.
bool dispatch_kafka_group_request(kafka_request_context& ctx, io::kafka::request& req);

/// CreateTopics and DeleteTopics (actors/kafka_admin_requests.cpp); false
/// for any other API.
bool dispatch_kafka_admin_request(kafka_request_context& ctx, io::kafka::request& req);

/// AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and TxnOffsetCommit
/// (actors/kafka_txn_requests.cpp); false for other APIs.
bool dispatch_kafka_txn_request(kafka_request_context& ctx, io::kafka::request& req);

} // namespace rivulet::actors
