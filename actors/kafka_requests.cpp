#include "actors/kafka_requests.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/kafka_listener.hpp"
#include "actors/type_ids.hpp"
#include "io/kafka/api_versions.hpp"
#include "io/kafka/metadata.hpp"

namespace rivulet::actors {

namespace {

namespace kafka = io::kafka;

/// The APIs and versions this listener serves (ApiVersions response).
std::vector<kafka::api_version_range> supported_apis() {
  return {
    {kafka::api_key::api_versions, kafka::api_versions_min_version, kafka::api_versions_max_version},
    // Up to v4: kafka-python guesses the broker version from this range.
    {kafka::api_key::metadata, kafka::metadata_min_version, 4},
  };
}

const kafka::api_version_range* find_api(const std::vector<kafka::api_version_range>& apis, kafka::api_key key) {
  for (auto& a : apis)
    if (a.key == key)
      return &a;
  return nullptr;
}

template <class Encode>
std::vector<std::uint8_t> response_frame(const kafka::request_header& h, std::int16_t version, Encode encode) {
  std::vector<std::uint8_t> out;
  auto start = kafka::begin_response(out, h.key, version, h.correlation_id);
  kafka::wire_writer w{out};
  encode(w);
  kafka::finish_frame(out, start);
  return out;
}

void api_versions(kafka_request_context& ctx, kafka::request& req) {
  auto& h = req.header;
  if (h.api_version < kafka::api_versions_min_version || h.api_version > kafka::api_versions_max_version) {
    auto resp = kafka::unsupported_api_versions_response();
    ctx.deliver(response_frame(h, 0, [&](kafka::wire_writer& w) { kafka::encode_api_versions_response(w, resp, 0); }));
    return;
  }
  if (auto body = kafka::decode_api_versions_request(req.body, h.api_version); !body) {
    ctx.fail("ApiVersions v" + std::to_string(h.api_version) + ": " + body.error().to_string());
    return;
  }
  kafka::api_versions_response resp;
  resp.api_keys = supported_apis();
  ctx.deliver(response_frame(h, h.api_version,
                             [&](kafka::wire_writer& w) { kafka::encode_api_versions_response(w, resp, h.api_version); }));
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
        deliver(response_frame(header, header.api_version,
                               [&](kafka::wire_writer& w) { kafka::encode_metadata_response(w, resp, header.api_version); }));
      },
      [fail = ctx.fail](caf::error& e) { fail("node did not answer Metadata: " + caf::to_string(e)); });
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
    default:
      ctx.fail("unsupported API " + std::to_string(static_cast<int>(h.key)));
  }
}

} // namespace rivulet::actors
