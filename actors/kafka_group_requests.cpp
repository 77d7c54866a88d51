// Kafka's coordinator APIs on the listener: FindCoordinator, InitProducerId
// and the consumer group APIs, forwarded to the group coordinator actor of
// the group (actors/group_coordinator_actor.*), which this node must host.

#include <random>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/kafka_coordinator_calls.hpp"
#include "actors/kafka_listener.hpp"
#include "actors/kafka_requests.hpp"
#include "actors/type_ids.hpp"
#include "io/kafka/find_coordinator.hpp"
#include "io/kafka/heartbeat.hpp"
#include "io/kafka/init_producer_id.hpp"
#include "io/kafka/join_group.hpp"
#include "io/kafka/leave_group.hpp"
#include "io/kafka/offset_commit.hpp"
#include "io/kafka/offset_fetch.hpp"
#include "io/kafka/sync_group.hpp"

namespace rivulet::actors {

namespace {

namespace kafka = io::kafka;
using namespace kafka_detail;

void find_coordinator(kafka_request_context& ctx, kafka::request& req) {
  auto h = owned(req.header);
  auto body = kafka::decode_find_coordinator_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("FindCoordinator v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  auto deliver = ctx.deliver;
  auto answer = [h, deliver](kafka::find_coordinator_response resp) {
    deliver(kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_find_coordinator_response(w, resp, h.api_version); }));
  };
  if (body->key_type != kafka::coordinator_key_group && body->key_type != 1) {
    kafka::find_coordinator_response resp;
    resp.error_code = invalid_request;
    resp.error_message = "unknown coordinator key type " + std::to_string(body->key_type);
    answer(resp);
    return;
  }
  auto brokers = ctx.cfg->brokers;
  bool transaction = body->key_type == 1;
  ctx.self->request(ctx.node, ctx.cfg->request_timeout,
                    find_coordinator_request{std::string(body->key), 0, transaction})
    .then(
      [answer, brokers](find_coordinator_reply& r) {
        kafka::find_coordinator_response resp;
        const cluster::node_address* addr = nullptr;
        for (auto& b : brokers)
          if (b.id == r.node)
            addr = &b;
        if (!r.ok || !addr) {
          resp.error_code = coordinator_not_available;
          resp.error_message = r.ok ? "the coordinator's node has no Kafka listener" : r.error;
        } else {
          resp.node_id = static_cast<std::int32_t>(addr->id);
          resp.host = addr->host;
          resp.port = addr->port;
        }
        answer(resp);
      },
      [answer](caf::error& e) {
        kafka::find_coordinator_response resp;
        resp.error_code = coordinator_not_available;
        resp.error_message = caf::to_string(e);
        answer(resp);
      });
}

void init_producer_id(kafka_request_context& ctx, kafka::request& req) {
  auto h = owned(req.header);
  auto body = kafka::decode_init_producer_id_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("InitProducerId v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  kafka::init_producer_id_response resp;
  if (body->transactional_id) {
    // The transactional id's coordinator allocates id and epoch (fencing
    // older instances of the same id).
    auto deliver = ctx.deliver;
    auto answer = [h, deliver](std::int16_t error, std::int64_t id, std::int16_t epoch) {
      kafka::init_producer_id_response resp;
      resp.error_code = error;
      resp.producer_id = id;
      resp.producer_epoch = epoch;
      deliver(kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_init_producer_id_response(w, resp, h.api_version); }));
    };
    init_producer_id_request ip{std::string(*body->transactional_id), body->transaction_timeout_ms};
    auto self = ctx.self;
    auto timeout = ctx.cfg->request_timeout;
    with_coordinator(
      ctx, ip.transactional_id,
      [self, ip, timeout, answer](caf::actor coordinator) {
        self->request(coordinator, timeout, ip)
          .then([answer](init_producer_id_reply& r) { answer(r.error_code, r.producer_id, r.epoch); },
                [answer](caf::error&) { answer(request_timed_out, -1, -1); });
      },
      [answer](std::int16_t code) { answer(code, -1, -1); }, true);
    return;
  } else {
    // Idempotence only: a random 63-bit id, as rivulet's native producer
    // picks (the controller does not hand out id blocks yet), epoch 0.
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    resp.producer_id = static_cast<std::int64_t>(rng() >> 1);
    resp.producer_epoch = 0;
  }
  ctx.deliver(kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_init_producer_id_response(w, resp, h.api_version); }));
}

void join_group(kafka_request_context& ctx, kafka::request& req) {
  auto client_id = std::string(req.header.client_id.value_or(""));
  auto h = owned(req.header);
  auto body = kafka::decode_join_group_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("JoinGroup v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  join_group_request jr;
  jr.group_id = std::string(body->group_id);
  jr.member_id = std::string(body->member_id);
  if (body->group_instance_id) {
    jr.has_group_instance_id = true;
    jr.group_instance_id = std::string(*body->group_instance_id);
  }
  jr.client_id = client_id;
  jr.session_timeout_ms = body->session_timeout_ms;
  jr.rebalance_timeout_ms = body->rebalance_timeout_ms >= 0 ? body->rebalance_timeout_ms : body->session_timeout_ms;
  jr.protocol_type = std::string(body->protocol_type);
  for (auto& p : body->protocols)
    jr.protocols.push_back({std::string(p.name), std::string(reinterpret_cast<const char*>(p.metadata.data()),
                                                              p.metadata.size())});
  jr.require_known_member_id = h.api_version >= 4;
  auto deliver = ctx.deliver;
  auto answer = [h, deliver](kafka::join_group_response resp) {
    deliver(kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_join_group_response(w, resp, h.api_version); }));
  };
  auto on_error = [answer](std::int16_t code) {
    kafka::join_group_response resp;
    resp.error_code = code;
    answer(resp);
  };
  auto self = ctx.self;
  auto timeout = ctx.cfg->request_timeout + std::chrono::milliseconds(std::max(0, jr.rebalance_timeout_ms));
  with_coordinator(
    ctx, jr.group_id,
    [self, jr, timeout, answer, on_error](caf::actor coordinator) {
      self->request(coordinator, timeout, jr)
        .then(
          [answer](join_group_reply& r) {
            kafka::join_group_response resp;
            resp.error_code = r.error_code;
            resp.generation_id = r.generation;
            resp.protocol_name = r.protocol_name;
            resp.leader = r.leader;
            resp.member_id = r.member_id;
            for (auto& m : r.members) {
              kafka::join_group_response_member km;
              km.member_id = m.member_id;
              if (m.has_group_instance_id)
                km.group_instance_id = m.group_instance_id;
              km.metadata = m.metadata;
              resp.members.push_back(std::move(km));
            }
            answer(resp);
          },
          [on_error](caf::error&) { on_error(request_timed_out); });
    },
    on_error);
}

void sync_group(kafka_request_context& ctx, kafka::request& req) {
  auto h = owned(req.header);
  auto body = kafka::decode_sync_group_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("SyncGroup v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  sync_group_request sr;
  sr.group_id = std::string(body->group_id);
  sr.member_id = std::string(body->member_id);
  sr.generation = body->generation_id;
  for (auto& a : body->assignments)
    sr.assignments.push_back({std::string(a.member_id), std::string(reinterpret_cast<const char*>(a.assignment.data()),
                                                                    a.assignment.size())});
  auto deliver = ctx.deliver;
  auto answer = [h, deliver](kafka::sync_group_response resp) {
    deliver(kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_sync_group_response(w, resp, h.api_version); }));
  };
  auto on_error = [answer](std::int16_t code) {
    kafka::sync_group_response resp;
    resp.error_code = code;
    answer(resp);
  };
  auto self = ctx.self;
  auto timeout = ctx.cfg->request_timeout + std::chrono::minutes(5);
  with_coordinator(
    ctx, sr.group_id,
    [self, sr, timeout, answer, on_error](caf::actor coordinator) {
      self->request(coordinator, timeout, sr)
        .then(
          [answer](sync_group_reply& r) {
            kafka::sync_group_response resp;
            resp.error_code = r.error_code;
            resp.assignment = r.assignment;
            answer(resp);
          },
          [on_error](caf::error&) { on_error(request_timed_out); });
    },
    on_error);
}

void heartbeat(kafka_request_context& ctx, kafka::request& req) {
  auto h = owned(req.header);
  auto body = kafka::decode_heartbeat_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("Heartbeat v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  heartbeat_request hr{std::string(body->group_id), std::string(body->member_id), body->generation_id};
  auto deliver = ctx.deliver;
  auto answer = [h, deliver](std::int16_t code) {
    kafka::heartbeat_response resp;
    resp.error_code = code;
    deliver(kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_heartbeat_response(w, resp, h.api_version); }));
  };
  auto self = ctx.self;
  auto timeout = ctx.cfg->request_timeout;
  with_coordinator(
    ctx, hr.group_id,
    [self, hr, timeout, answer](caf::actor coordinator) {
      self->request(coordinator, timeout, hr)
        .then([answer](heartbeat_reply& r) { answer(r.error_code); },
              [answer](caf::error&) { answer(request_timed_out); });
    },
    answer);
}

void leave_group(kafka_request_context& ctx, kafka::request& req) {
  auto h = owned(req.header);
  auto body = kafka::decode_leave_group_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("LeaveGroup v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  std::vector<std::string> members;
  if (h.api_version < 3)
    members.emplace_back(body->member_id);
  else
    for (auto& m : body->members)
      members.emplace_back(m.member_id);
  auto group = std::string(body->group_id);
  auto resp = std::make_shared<kafka::leave_group_response>();
  auto left = std::make_shared<std::size_t>(members.size());
  auto deliver = ctx.deliver;
  auto finish = [h, deliver, resp] {
    deliver(kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_leave_group_response(w, *resp, h.api_version); }));
  };
  if (members.empty()) {
    finish();
    return;
  }
  auto self = ctx.self;
  auto timeout = ctx.cfg->request_timeout;
  for (auto& m : members) {
    auto note = [resp, left, finish, m](std::int16_t code) {
      if (code != 0 && resp->error_code == 0)
        resp->error_code = code;
      resp->members.push_back({m, std::nullopt, code});
      if (--*left == 0)
        finish();
    };
    with_coordinator(
      ctx, group,
      [self, group, m, timeout, note](caf::actor coordinator) {
        self->request(coordinator, timeout, leave_group_request{group, m})
          .then([note](leave_group_reply& r) { note(r.error_code); },
                [note](caf::error&) { note(request_timed_out); });
      },
      note);
  }
}

void offset_commit(kafka_request_context& ctx, kafka::request& req) {
  auto h = owned(req.header);
  auto body = kafka::decode_offset_commit_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("OffsetCommit v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  offset_commit_request oc;
  oc.group_id = std::string(body->group_id);
  oc.member_id = std::string(body->member_id);
  oc.generation = body->generation_id;
  add_offsets(oc, *body);
  ask_group_to_commit<kafka::offset_commit_response>(
    ctx, std::move(oc), [h](const kafka::offset_commit_response& resp) {
      return kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_offset_commit_response(w, resp, h.api_version); });
    });
}

void offset_fetch(kafka_request_context& ctx, kafka::request& req) {
  auto h = owned(req.header);
  auto body = kafka::decode_offset_fetch_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("OffsetFetch v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  offset_fetch_request of;
  of.group_id = std::string(body->group_id);
  if (body->topics) {
    of.has_partitions = true;
    for (auto& t : *body->topics)
      for (auto p : t.partition_indexes)
        of.partitions.push_back({std::string(t.name), p});
  }
  auto deliver = ctx.deliver;
  auto requested = of.partitions;
  auto answer = [h, deliver, requested](std::int16_t group_error, const std::vector<offset_fetch_partition>& got) {
    kafka::offset_fetch_response resp;
    resp.error_code = group_error;
    auto add = [&](const std::string& topic, kafka::offset_fetch_response_partition p) {
      if (resp.topics.empty() || resp.topics.back().name != topic)
        resp.topics.push_back({topic, {}});
      resp.topics.back().partitions.push_back(std::move(p));
    };
    if (group_error != 0) {
      // Before v2 there is no group-level error: put it on each partition.
      for (auto& r : requested) {
        kafka::offset_fetch_response_partition p;
        p.partition_index = r.partition;
        p.error_code = group_error;
        add(r.topic, p);
      }
    } else {
      for (auto& g : got) {
        kafka::offset_fetch_response_partition p;
        p.partition_index = g.partition;
        p.committed_offset = g.offset;
        if (g.has_metadata)
          p.metadata = g.metadata;
        p.error_code = g.error_code;
        add(g.topic, p);
      }
    }
    deliver(kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_offset_fetch_response(w, resp, h.api_version); }));
  };
  auto on_error = [answer](std::int16_t code) { answer(code, {}); };
  auto self = ctx.self;
  auto timeout = ctx.cfg->request_timeout;
  with_coordinator(
    ctx, of.group_id,
    [self, of, timeout, answer, on_error](caf::actor coordinator) {
      self->request(coordinator, timeout, of)
        .then([answer](offset_fetch_reply& r) { answer(r.error_code, r.partitions); },
              [on_error](caf::error&) { on_error(request_timed_out); });
    },
    on_error);
}

} // namespace

bool dispatch_kafka_group_request(kafka_request_context& ctx, io::kafka::request& req) {
  switch (req.header.key) {
    case kafka::api_key::find_coordinator: find_coordinator(ctx, req); return true;
    case kafka::api_key::init_producer_id: init_producer_id(ctx, req); return true;
    case kafka::api_key::join_group: join_group(ctx, req); return true;
    case kafka::api_key::sync_group: sync_group(ctx, req); return true;
    case kafka::api_key::heartbeat: heartbeat(ctx, req); return true;
    case kafka::api_key::leave_group: leave_group(ctx, req); return true;
    case kafka::api_key::offset_commit: offset_commit(ctx, req); return true;
    case kafka::api_key::offset_fetch: offset_fetch(ctx, req); return true;
    default: return false;
  }
}

} // namespace rivulet::actors
