// Kafka's CreateTopics and DeleteTopics on the listener, turned into the
// node's create_topic_request / delete_topic_request (the controller log).

#include <memory>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/kafka_listener.hpp"
#include "actors/kafka_requests.hpp"
#include "actors/type_ids.hpp"
#include "io/kafka/create_topics.hpp"
#include "io/kafka/delete_topics.hpp"
#include "runtime/cluster/topic_table.hpp"

namespace rivulet::actors {

namespace {

namespace kafka = io::kafka;

/// Kafka error code for a refused create or delete (the node's text).
std::int16_t admin_error_code(const std::string& e) {
  auto has = [&](const char* s) { return e.find(s) != std::string::npos; };
  if (has("already exists"))
    return kafka::kafka_error::topic_already_exists;
  if (has("does not exist"))
    return kafka::kafka_error::unknown_topic_or_partition;
  if (has("replication factor"))
    return kafka::kafka_error::invalid_replication_factor;
  if (has("partitions must be"))
    return kafka::kafka_error::invalid_partitions;
  if (has("topic name"))
    return kafka::kafka_error::invalid_topic_exception;
  if (has("retry") || has("timeout") || has("did not answer"))
    return 7;  // REQUEST_TIMED_OUT: the client retries
  return -1;   // UNKNOWN_SERVER_ERROR
}

void create_topics(kafka_request_context& ctx, kafka::request& req) {
  auto h = req.header;
  h.client_id.reset();
  auto body = kafka::decode_create_topics_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("CreateTopics v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  auto resp = std::make_shared<kafka::create_topics_response>();
  auto left = std::make_shared<std::size_t>(body->topics.size());
  auto deliver = ctx.deliver;
  auto finish = [h, deliver, resp] {
    deliver(kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_create_topics_response(w, *resp, h.api_version); }));
  };
  if (body->topics.empty()) {
    finish();
    return;
  }
  resp->topics.resize(body->topics.size());
  for (std::size_t i = 0; i < body->topics.size(); ++i) {
    auto& t = body->topics[i];
    auto& out = resp->topics[i];
    out.name = std::string(t.name);
    auto done = [resp, left, finish, i](std::int16_t code, std::string message) {
      resp->topics[i].error_code = code;
      if (code != 0)
        resp->topics[i].error_message = std::move(message);
      if (--*left == 0)
        finish();
    };
    if (!t.assignments.empty()) {
      done(kafka::kafka_error::invalid_request, "manual replica assignment is not supported; give a partition count");
      continue;
    }
    create_topic_request cr;
    cr.topic = out.name;
    // -1 means the broker default: one partition, replication factor min(3, nodes).
    cr.partitions = t.num_partitions < 0 ? 1 : t.num_partitions;
    cr.replication_factor = t.replication_factor < 0
                              ? static_cast<std::int16_t>(std::min<std::size_t>(3, ctx.cfg->brokers.size()))
                              : t.replication_factor;
    for (auto& c : t.configs)
      cr.configs[std::string(c.name)] = std::string(c.value.value_or(""));
    if (body->validate_only) {
      // The checks a create would make before the controller (name, counts
      // against the advertised nodes); "already exists" is not checked.
      cluster::command cmd;
      cmd.topic = cr.topic;
      cmd.partitions = cr.partitions;
      cmd.replication_factor = cr.replication_factor;
      auto why = cluster::validate_create(cmd, ctx.cfg->brokers.size());
      done(why.empty() ? std::int16_t{0} : admin_error_code(why), why);
      continue;
    }
    ctx.self->request(ctx.node, ctx.cfg->request_timeout, cr)
      .then(
        [done](admin_reply& r) mutable {
          if (r.ok)
            done(0, {});
          else
            done(admin_error_code(r.error), r.error);
        },
        [done](caf::error& e) mutable { done(7, caf::to_string(e)); });
  }
}

void delete_topics(kafka_request_context& ctx, kafka::request& req) {
  auto h = req.header;
  h.client_id.reset();
  auto body = kafka::decode_delete_topics_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("DeleteTopics v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  auto resp = std::make_shared<kafka::delete_topics_response>();
  auto left = std::make_shared<std::size_t>(body->topic_names.size());
  auto deliver = ctx.deliver;
  auto finish = [h, deliver, resp] {
    deliver(kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_delete_topics_response(w, *resp, h.api_version); }));
  };
  if (body->topic_names.empty()) {
    finish();
    return;
  }
  resp->responses.resize(body->topic_names.size());
  for (std::size_t i = 0; i < body->topic_names.size(); ++i) {
    resp->responses[i].name = std::string(body->topic_names[i]);
    auto done = [resp, left, finish, i](std::int16_t code) {
      resp->responses[i].error_code = code;
      if (--*left == 0)
        finish();
    };
    ctx.self->request(ctx.node, ctx.cfg->request_timeout, delete_topic_request{resp->responses[i].name, 0})
      .then([done](admin_reply& r) mutable { done(r.ok ? std::int16_t{0} : admin_error_code(r.error)); },
            [done](caf::error&) mutable { done(7); });
  }
}

} // namespace

bool dispatch_kafka_admin_request(kafka_request_context& ctx, io::kafka::request& req) {
  switch (req.header.key) {
    case kafka::api_key::create_topics: create_topics(ctx, req); return true;
    case kafka::api_key::delete_topics: delete_topics(ctx, req); return true;
    default: return false;
  }
}

} // namespace rivulet::actors
