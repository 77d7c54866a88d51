#include "actors/kafka_requests.hpp"

#include <limits>
#include <memory>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/kafka_listener.hpp"
#include "actors/type_ids.hpp"
#include "io/kafka/api_versions.hpp"
#include "io/kafka/create_topics.hpp"
#include "io/kafka/delete_topics.hpp"
#include "io/kafka/fetch.hpp"
#include "runtime/log.hpp"
#include "io/kafka/add_offsets_to_txn.hpp"
#include "io/kafka/add_partitions_to_txn.hpp"
#include "io/kafka/end_txn.hpp"
#include "io/kafka/txn_offset_commit.hpp"
#include "io/kafka/find_coordinator.hpp"
#include "io/kafka/heartbeat.hpp"
#include "io/kafka/init_producer_id.hpp"
#include "io/kafka/join_group.hpp"
#include "io/kafka/leave_group.hpp"
#include "io/kafka/offset_commit.hpp"
#include "io/kafka/offset_fetch.hpp"
#include "io/kafka/sync_group.hpp"
#include "io/kafka/list_offsets.hpp"
#include "io/kafka/metadata.hpp"
#include "io/kafka/produce.hpp"

namespace rivulet::actors {

namespace {

namespace kafka = io::kafka;

/// The APIs and versions this listener serves (ApiVersions response).
std::vector<kafka::api_version_range> supported_apis() {
  return {
    {kafka::api_key::api_versions, kafka::api_versions_min_version, kafka::api_versions_max_version},
    // Up to v4: kafka-python guesses the broker version from this range.
    {kafka::api_key::metadata, kafka::metadata_min_version, 4},
    {kafka::api_key::produce, kafka::produce_min_version, kafka::produce_max_version},
    {kafka::api_key::fetch, kafka::fetch_min_version, kafka::fetch_max_version},
    {kafka::api_key::list_offsets, kafka::list_offsets_min_version, kafka::list_offsets_max_version},
    {kafka::api_key::find_coordinator, kafka::find_coordinator_min_version, kafka::find_coordinator_max_version},
    {kafka::api_key::init_producer_id, kafka::init_producer_id_min_version, kafka::init_producer_id_max_version},
    {kafka::api_key::join_group, kafka::join_group_min_version, kafka::join_group_max_version},
    {kafka::api_key::sync_group, kafka::sync_group_min_version, kafka::sync_group_max_version},
    {kafka::api_key::heartbeat, kafka::heartbeat_min_version, kafka::heartbeat_max_version},
    {kafka::api_key::leave_group, kafka::leave_group_min_version, kafka::leave_group_max_version},
    {kafka::api_key::offset_commit, kafka::offset_commit_min_version, kafka::offset_commit_max_version},
    {kafka::api_key::offset_fetch, kafka::offset_fetch_min_version, kafka::offset_fetch_max_version},
    {kafka::api_key::create_topics, kafka::create_topics_min_version, kafka::create_topics_max_version},
    {kafka::api_key::delete_topics, kafka::delete_topics_min_version, kafka::delete_topics_max_version},
    {kafka::api_key::add_partitions_to_txn, kafka::add_partitions_to_txn_min_version,
     kafka::add_partitions_to_txn_max_version},
    {kafka::api_key::add_offsets_to_txn, kafka::add_offsets_to_txn_min_version, kafka::add_offsets_to_txn_max_version},
    {kafka::api_key::end_txn, kafka::end_txn_min_version, kafka::end_txn_max_version},
    {kafka::api_key::txn_offset_commit, kafka::txn_offset_commit_min_version, kafka::txn_offset_commit_max_version},
  };
}

const kafka::api_version_range* find_api(const std::vector<kafka::api_version_range>& apis, kafka::api_key key) {
  for (auto& a : apis)
    if (a.key == key)
      return &a;
  return nullptr;
}

void api_versions(kafka_request_context& ctx, kafka::request& req) {
  auto& h = req.header;
  if (h.api_version < kafka::api_versions_min_version || h.api_version > kafka::api_versions_max_version) {
    auto resp = kafka::unsupported_api_versions_response();
    auto v0 = h;
    v0.api_version = 0;  // Kafka answers an unsupported ApiVersions at v0
    ctx.deliver(kafka_response_frame(v0, [&](kafka::wire_writer& w) { kafka::encode_api_versions_response(w, resp, 0); }));
    return;
  }
  if (auto body = kafka::decode_api_versions_request(req.body, h.api_version); !body) {
    ctx.fail("ApiVersions v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  kafka::api_versions_response resp;
  resp.api_keys = supported_apis();
  ctx.deliver(kafka_response_frame(h, [&](kafka::wire_writer& w) { kafka::encode_api_versions_response(w, resp, h.api_version); }));
}

void metadata(kafka_request_context& ctx, kafka::request& req) {
  auto& h = req.header;
  auto body = kafka::decode_metadata_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("Metadata v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  metadata_request mr;
  bool no_topics = body->topics && body->topics->empty();
  if (body->topics)
    for (auto t : *body->topics)
      mr.topics.emplace_back(t);
  auto header = h;  // the frame dies after this call; keep the copies
  header.client_id.reset();
  auto deliver = ctx.deliver;
  auto cfg = *ctx.cfg;
  ctx.self->request(ctx.node, cfg.request_timeout, mr)
    .then(
      [header, deliver, cfg, no_topics](metadata_reply& md) {
        kafka::metadata_response resp;
        for (auto& b : cfg.brokers)
          resp.brokers.push_back({static_cast<std::int32_t>(b.id), b.host, b.port, std::nullopt});
        resp.cluster_id = cfg.cluster_id;
        resp.controller_id = md.controller_leader ? static_cast<std::int32_t>(md.controller_leader) : -1;
        if (!no_topics)
          for (auto& t : md.topics) {
            kafka::metadata_topic mt;
            mt.name = t.name;
            mt.is_internal = t.name.rfind("__", 0) == 0;
            if (!t.error.empty()) {
              mt.error_code = kafka::kafka_error::unknown_topic_or_partition;
              resp.topics.push_back(std::move(mt));
              continue;
            }
            for (auto& p : t.partitions) {
              kafka::metadata_partition mp;
              mp.partition_index = p.partition;
              mp.leader_id = p.leader ? static_cast<std::int32_t>(p.leader) : -1;
              mp.leader_epoch = static_cast<std::int32_t>(p.leader_term);
              if (!p.leader)
                mp.error_code = kafka::kafka_error::leader_not_available;
              for (auto r : p.replicas)
                mp.replica_nodes.push_back(static_cast<std::int32_t>(r));
              for (auto r : p.in_sync)
                mp.isr_nodes.push_back(static_cast<std::int32_t>(r));
              if (mp.isr_nodes.empty() && p.leader)
                mp.isr_nodes.push_back(static_cast<std::int32_t>(p.leader));
              mt.partitions.push_back(std::move(mp));
            }
            resp.topics.push_back(std::move(mt));
          }
        deliver(kafka_response_frame(header, [&](kafka::wire_writer& w) { kafka::encode_metadata_response(w, resp, header.api_version); }));
      },
      [fail = ctx.fail](caf::error& e) { fail("node did not answer Metadata: " + caf::to_string(e)); });
}

/// Kafka error code for a rivulet produce/fetch error text.
std::int16_t error_code_of(const std::string& e) {
  auto has = [&](const char* s) { return e.find(s) != std::string::npos; };
  if (has("unknown topic") || has("has no partition"))
    return 3;  // UNKNOWN_TOPIC_OR_PARTITION
  if (has("not_leader") || has("lost to a leader change") || has("transfer_in_progress"))
    return 6;  // NOT_LEADER_OR_FOLLOWER
  if (has("offset_out_of_range"))
    return 1;  // OFFSET_OUT_OF_RANGE
  if (has("out_of_order_sequence"))
    return 45;  // OUT_OF_ORDER_SEQUENCE_NUMBER
  if (has("invalid_producer_epoch"))
    return 47;  // INVALID_PRODUCER_EPOCH
  if (has("invalid_batch"))
    return 2;  // CORRUPT_MESSAGE
  if (has("timeout"))
    return 7;  // REQUEST_TIMED_OUT
  return -1;   // UNKNOWN_SERVER_ERROR
}

/// Answers per partition, then one response when all are in.
template <class Partition>
struct gathered {
  struct item {
    std::string topic;
    Partition answer;
    std::string data;  // fetched batches, viewed by answer.records
  };
  std::vector<item> items;
  std::size_t left = 0;
};

template <class Topic, class Items>
std::vector<Topic> group_by_topic(Items& items) {
  std::vector<Topic> out;
  for (auto& it : items) {
    if (out.empty() || out.back().name != it.topic)
      out.push_back(Topic{it.topic, {}});
    out.back().partitions.push_back(it.answer);
  }
  return out;
}

void produce(kafka_request_context& ctx, kafka::request& req) {
  auto& h = req.header;
  auto body = kafka::decode_produce_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("Produce v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  auto header = h;
  header.client_id.reset();
  auto state = std::make_shared<gathered<kafka::produce_partition_response>>();
  for (auto& t : body->topics)
    for (auto& p : t.partitions) {
      kafka::produce_partition_response r;
      r.partition_index = p.partition_index;
      state->items.push_back({std::string(t.name), r, {}});
    }
  state->left = state->items.size();
  bool no_response = body->acks == 0;
  auto deliver = ctx.deliver;
  auto finish = [state, header, deliver, no_response] {
    if (no_response)
      return;
    kafka::produce_response resp;
    resp.topics = group_by_topic<kafka::produce_topic_response>(state->items);
    deliver(kafka_response_frame(header, [&](kafka::wire_writer& w) { kafka::encode_produce_response(w, resp, header.api_version); }));
  };
  if (no_response)
    ctx.deliver({});
  if (state->items.empty()) {
    finish();
    return;
  }
  std::size_t i = 0;
  for (auto& t : body->topics)
    for (auto& p : t.partitions) {
      auto idx = i++;
      if (!p.records) {
        state->items[idx].answer.error_code = 2;  // CORRUPT_MESSAGE: a null record set
        if (--state->left == 0)
          finish();
        continue;
      }
      topic_produce tp;
      tp.topic = std::string(t.name);
      tp.partition = p.partition_index;
      tp.req.batch.assign(reinterpret_cast<const char*>(p.records->data()), p.records->size());
      tp.req.acks = body->acks == 0 ? 1 : body->acks;
      ctx.self->request(ctx.node, ctx.cfg->request_timeout, std::move(tp))
        .then(
          [state, idx, finish](produce_reply& r) {
            auto& a = state->items[idx].answer;
            if (r.ok)
              a.base_offset = r.base_offset;
            else
              a.error_code = error_code_of(r.error);
            if (--state->left == 0)
              finish();
          },
          [state, idx, finish](caf::error&) {
            state->items[idx].answer.error_code = 7;  // REQUEST_TIMED_OUT
            if (--state->left == 0)
              finish();
          });
    }
}

/// Sends one topic_fetch per partition of `body`, fills `state`, then
/// calls `done`.
void fetch_round(kafka_request_context& ctx, const std::shared_ptr<gathered<kafka::fetch_partition_response>>& state,
                 const std::vector<std::pair<std::int64_t, std::int32_t>>& offsets, std::int32_t max_wait_ms,
                 bool read_committed, std::function<void()> done) {
  state->left = state->items.size();
  for (std::size_t idx = 0; idx < state->items.size(); ++idx) {
    topic_fetch tf;
    tf.topic = state->items[idx].topic;
    tf.partition = state->items[idx].answer.partition_index;
    tf.req.offset = offsets[idx].first;
    tf.req.max_bytes = std::max(offsets[idx].second, 1);
    tf.req.max_wait_ms = max_wait_ms;
    tf.req.read_committed = read_committed;
    ctx.self->request(ctx.node, ctx.cfg->request_timeout + std::chrono::milliseconds(max_wait_ms), std::move(tf))
      .then(
        [state, idx, done, read_committed](fetch_reply& r) {
          auto& it = state->items[idx];
          auto& a = it.answer;
          a.high_watermark = r.high_watermark;
          a.last_stable_offset = r.last_stable_offset;
          a.log_start_offset = r.log_start;
          if (read_committed) {
            a.aborted_transactions.emplace();
            for (std::size_t i = 0; i + 1 < r.aborted.size(); i += 2)
              a.aborted_transactions->push_back({r.aborted[i], r.aborted[i + 1]});
          }
          RIVULET_LOG(log_level::debug, "kafka", "fetch " << it.topic << "-" << a.partition_index << " hw "
                                                            << r.high_watermark << " lso " << r.last_stable_offset
                                                            << " bytes " << r.batches.size() << " ok " << r.ok << " " << r.error);
          if (r.ok) {
            a.error_code = 0;
            it.data = std::move(r.batches);
          } else {
            a.error_code = error_code_of(r.error);
            it.data.clear();
          }
          if (--state->left == 0)
            done();
        },
        [state, idx, done](caf::error&) {
          state->items[idx].answer.error_code = 7;  // REQUEST_TIMED_OUT
          if (--state->left == 0)
            done();
        });
  }
}

void fetch(kafka_request_context& ctx, kafka::request& req) {
  auto& h = req.header;
  auto body = kafka::decode_fetch_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("Fetch v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  auto header = h;
  header.client_id.reset();
  auto state = std::make_shared<gathered<kafka::fetch_partition_response>>();
  std::vector<std::pair<std::int64_t, std::int32_t>> offsets;
  for (auto& t : body->topics)
    for (auto& p : t.partitions) {
      kafka::fetch_partition_response r;
      r.partition_index = p.partition_index;
      state->items.push_back({std::string(t.name), r, {}});
      offsets.emplace_back(p.fetch_offset, p.partition_max_bytes);
    }
  auto deliver = ctx.deliver;
  auto finish = [state, header, deliver] {
    for (auto& it : state->items)
      it.answer.records = kafka::bytes_view::of(it.data);
    kafka::fetch_response resp;
    resp.topics = group_by_topic<kafka::fetch_topic_response>(state->items);
    deliver(kafka_response_frame(header, [&](kafka::wire_writer& w) { kafka::encode_fetch_response(w, resp, header.api_version); }));
  };
  if (state->items.empty()) {
    finish();
    return;
  }
  // First without waiting; if nothing came back and the client allows a
  // wait, once more as a long poll (each partition parks at its leader).
  auto ctx_copy = ctx;
  auto max_wait = body->max_wait_ms;
  bool read_committed = body->isolation_level == 1;
  fetch_round(ctx, state, offsets, 0, read_committed, [ctx_copy, state, offsets, max_wait, read_committed, finish]() mutable {
    bool any = false;
    for (auto& it : state->items)
      any = any || !it.data.empty() || it.answer.error_code != 0;
    if (any || max_wait <= 0) {
      finish();
      return;
    }
    fetch_round(ctx_copy, state, offsets, max_wait, read_committed, finish);
  });
}

void list_offsets(kafka_request_context& ctx, kafka::request& req) {
  auto& h = req.header;
  auto body = kafka::decode_list_offsets_request(req.body, h.api_version);
  if (!body) {
    ctx.fail("ListOffsets v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  auto header = h;
  header.client_id.reset();
  auto state = std::make_shared<gathered<kafka::list_offsets_partition_response>>();
  std::vector<std::int64_t> timestamps;
  for (auto& t : body->topics)
    for (auto& p : t.partitions) {
      kafka::list_offsets_partition_response r;
      r.partition_index = p.partition_index;
      state->items.push_back({std::string(t.name), r, {}});
      timestamps.push_back(p.timestamp);
    }
  state->left = state->items.size();
  // v2+: read_committed clients see the last stable offset as the end.
  bool read_committed = body->isolation_level == 1;
  auto deliver = ctx.deliver;
  auto finish = [state, header, deliver] {
    kafka::list_offsets_response resp;
    resp.topics = group_by_topic<kafka::list_offsets_topic_response>(state->items);
    deliver(kafka_response_frame(header, [&](kafka::wire_writer& w) {
      kafka::encode_list_offsets_response(w, resp, header.api_version);
    }));
  };
  if (state->items.empty()) {
    finish();
    return;
  }
  for (std::size_t idx = 0; idx < state->items.size(); ++idx) {
    auto ts = timestamps[idx];
    bool by_time = ts != kafka::list_offsets_latest && ts != kafka::list_offsets_earliest;
    if (by_time && ts < 0) {
      state->items[idx].answer.error_code = 42;  // INVALID_REQUEST: -3 (max timestamp) and others
      if (--state->left == 0)
        finish();
      continue;
    }
    // A fetch past any offset returns no data but the high watermark and
    // the log start; a timestamp lookup returns the offset found.
    topic_fetch tf;
    tf.topic = state->items[idx].topic;
    tf.partition = state->items[idx].answer.partition_index;
    tf.req.offset = std::numeric_limits<std::int64_t>::max();
    tf.req.max_bytes = 1;
    tf.req.lookup_timestamp = by_time;
    tf.req.timestamp = ts;
    ctx.self->request(ctx.node, ctx.cfg->request_timeout, std::move(tf))
      .then(
        [state, idx, ts, finish, read_committed](fetch_reply& r) {
          auto& a = state->items[idx].answer;
          if (!r.ok) {
            a.error_code = error_code_of(r.error);
          } else {
            auto latest = read_committed ? r.last_stable_offset : r.high_watermark;
            if (ts == kafka::list_offsets_latest || ts == kafka::list_offsets_earliest) {
              a.offset = ts == kafka::list_offsets_latest ? latest : r.log_start;
              a.timestamp = -1;
            } else {
              // No record at or after the time: offset -1, as Kafka answers.
              a.offset = r.found_offset;
              a.timestamp = r.found_timestamp;
            }
          }
          if (--state->left == 0)
            finish();
        },
        [state, idx, finish](caf::error&) {
          state->items[idx].answer.error_code = 7;
          if (--state->left == 0)
            finish();
        });
  }
}

} // namespace

void dispatch_kafka_request(kafka_request_context& ctx, io::kafka::request& req) {
  auto& h = req.header;
  auto apis = supported_apis();
  auto* api = find_api(apis, h.key);
  if (h.key == kafka::api_key::api_versions) {
    api_versions(ctx, req);
    return;
  }
  if (!api || h.api_version < api->min_version || h.api_version > api->max_version) {
    ctx.fail("unsupported API " + std::to_string(static_cast<int>(h.key)) + " v" + std::to_string(h.api_version)
             + " (see ApiVersions)");
    return;
  }
  switch (h.key) {
    case kafka::api_key::metadata:
      metadata(ctx, req);
      return;
    case kafka::api_key::produce:
      produce(ctx, req);
      return;
    case kafka::api_key::fetch:
      fetch(ctx, req);
      return;
    case kafka::api_key::list_offsets:
      list_offsets(ctx, req);
      return;
    default:
      if (!dispatch_kafka_group_request(ctx, req) && !dispatch_kafka_txn_request(ctx, req)
          && !dispatch_kafka_admin_request(ctx, req))
        ctx.fail("unsupported API " + std::to_string(static_cast<int>(h.key)));
  }
}

} // namespace rivulet::actors
