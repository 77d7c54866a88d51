// The node config parser and the controller's topic table: what every node
// applies from the controller log must come out the same everywhere.

#include <catch2/catch.hpp>

#include "runtime/cluster/node_config.hpp"
#include "runtime/cluster/topic_table.hpp"

#include <map>
#include <set>

using namespace rivulet::cluster;

TEST_CASE("a node config with every key parses; errors name the line", "[cluster]") {
  std::string error;
  auto cfg = parse_node_config(R"([node]
id = 2
data_dir = /tmp/x   # comment
[cluster]
nodes = 3@h3:7003, 1@h1:7001, 2@h2:7002
kafka = 1@h1:9092, 2@h2:9093
tick_ms = 25
fsync = never
request_timeout_ms = 500
offsets_partitions = 5
)",
                               error);
  INFO(error);
  REQUIRE(cfg);
  CHECK(cfg->id == 2);
  CHECK(cfg->data_dir == "/tmp/x");
  REQUIRE(cfg->nodes.size() == 3);
  CHECK(cfg->nodes[0].id == 1);  // sorted
  CHECK(cfg->self()->host == "h2");
  CHECK(cfg->kafka_self()->port == 9093);
  CHECK(cfg->tick.count() == 25);
  CHECK(cfg->fsync == fsync_policy::never);
  CHECK(cfg->offsets_partitions == 5);

  auto bad = [&](const std::string& text, const std::string& expect) {
    std::string why;
    CHECK_FALSE(parse_node_config(text, why));
    INFO(why);
    CHECK(why.find(expect) != std::string::npos);
  };
  bad("[node]\nid = 1\ndata_dir = d\n[cluster]\nnodes = 1@h:1\ncolour = blue\n", "line 6: unknown key [cluster] colour");
  bad("[node]\nid = x\n", "line 2: [node] id must be a positive integer");
  bad("[node]\nid = 1\ndata_dir = d\n[cluster]\nnodes = 1@h:1, 1@h:2\n", "appears twice");
  bad("[node]\nid = 4\ndata_dir = d\n[cluster]\nnodes = 1@h:1\n", "node id 4 is not in [cluster] nodes");
  bad("[node]\nid = 1\ndata_dir = d\n[cluster]\nnodes = 1@h:99999\n", "port 1..65535");
  bad("[node]\nid = 1\ndata_dir = d\n[cluster]\nnodes = 1@h:1\nkafka = 2@h:9092\n", "kafka names node 2");
  bad("[nodes]\n", "unknown section [nodes]");
  bad("[node]\nid = 1\n", "data_dir is missing");
}

TEST_CASE("controller commands round-trip and damaged ones are refused", "[cluster]") {
  command c;
  c.type = command::kind::create_topic;
  c.topic = "orders";
  c.partitions = 12;
  c.replication_factor = 3;
  c.configs = {{"retention.ms", "1000"}};
  auto bytes = encode(c);
  auto back = decode(bytes);
  REQUIRE(back);
  CHECK(back->topic == "orders");
  CHECK(back->partitions == 12);
  CHECK(back->replication_factor == 3);
  CHECK(back->configs == c.configs);
  std::string why;
  for (std::size_t cut = 0; cut < bytes.size(); ++cut)
    CHECK_FALSE(decode(bytes.substr(0, cut), &why));
  CHECK_FALSE(decode(bytes + "x", &why));
  CHECK(why.find("trailing") != std::string::npos);
  auto other = bytes;
  other[0] = 9;
  CHECK_FALSE(decode(other, &why));
  CHECK(why.find("version 9") != std::string::npos);
}

TEST_CASE("the topic table places replicas and hands out group ids identically on every node", "[cluster]") {
  topic_table a({3, 1, 2});
  topic_table b({1, 2, 3});
  command create{command::kind::create_topic, "events", 4, 3, {}};
  CHECK(a.apply(create, 5).empty());
  CHECK(b.apply(create, 5).empty());
  auto* ta = a.find("events");
  auto* tb = b.find("events");
  REQUIRE(ta);
  REQUIRE(tb);
  CHECK(ta->revision == 5);
  std::set<std::int64_t> groups;
  std::map<std::int64_t, int> first_replica;
  for (std::size_t p = 0; p < 4; ++p) {
    CHECK(ta->partitions[p].replicas == tb->partitions[p].replicas);
    CHECK(ta->partitions[p].group == tb->partitions[p].group);
    CHECK(ta->partitions[p].replicas.size() == 3);
    std::set<std::int64_t> distinct(ta->partitions[p].replicas.begin(), ta->partitions[p].replicas.end());
    CHECK(distinct.size() == 3);
    groups.insert(ta->partitions[p].group);
    ++first_replica[ta->partitions[p].replicas[0]];
  }
  CHECK(groups.size() == 4);
  CHECK(groups.count(controller_group) == 0);
  CHECK(first_replica.size() == 3);  // preferred leaders spread over the nodes
  // Refusals change nothing, on every node alike.
  CHECK(a.apply(create, 6).find("already exists") != std::string::npos);
  CHECK(a.apply({command::kind::create_topic, "bad name", 1, 1, {}}, 7).find("outside") != std::string::npos);
  CHECK(a.apply({command::kind::create_topic, "wide", 1, 4, {}}, 8).find("replication factor") != std::string::npos);
  CHECK(a.apply({command::kind::delete_topic, "nope", 0, 0, {}}, 9).find("does not exist") != std::string::npos);
  // Delete, then re-create: new groups, never the old ones.
  CHECK(a.apply({command::kind::delete_topic, "events", 0, 0, {}}, 10).empty());
  CHECK_FALSE(a.find("events"));
  CHECK(a.apply(create, 11).empty());
  for (auto& p : a.find("events")->partitions)
    CHECK(groups.count(p.group) == 0);
  CHECK(a.applied() == 12);
}
