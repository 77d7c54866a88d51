// The native producer's transactions against a 3-node embedded cluster:
// committed transactions become visible to read_committed consumers and
// aborted ones never do; offsets sent with a transaction count only when it
// commits; a second producer with the same transactional id fences the
// first; records sent outside a transaction are refused.

#include <catch2/catch.hpp>

#include <future>
#include <map>
#include <string>
#include <vector>

#include "actors/consumer.hpp"
#include "actors/producer.hpp"
#include "tests/support/cluster_fixture.hpp"

using namespace rivulet;
using namespace rivulet::actors;
using namespace rivulet::testing;
using namespace std::chrono_literals;

namespace {

producer_config txn_config(cluster_fixture& f, const std::string& id) {
  producer_config pc;
  pc.bootstrap = f.cluster->running();
  pc.request_timeout = 2s;
  pc.retry_backoff = 20ms;
  pc.delivery_timeout = 30s;
  pc.transactional_id = id;
  return pc;
}

void send_all(producer& p, const std::string& topic, const std::string& prefix, int n) {
  std::vector<std::future<delivery>> sent;
  for (int i = 0; i < n; ++i)
    sent.push_back(p.send(topic, "k" + std::to_string(i % 5), prefix + std::to_string(i)));
  p.flush();
  for (auto& f : sent) {
    auto d = f.get();
    INFO(d.error);
    REQUIRE(d.ok());
  }
}

/// Count per value prefix ("c" of "c12") in both partitions of `topic`,
/// read by a native consumer with `isolation` until `want` arrived (then one
/// more poll that must add none) or 15 s passed.
std::map<char, int> read_prefixes(cluster_fixture& f, const std::string& topic, consumer_config::isolation isolation,
                                  std::size_t want) {
  consumer_config cc;
  cc.bootstrap = f.cluster->running();
  cc.auto_offset_reset = consumer_config::offset_reset::earliest;
  cc.isolation_level = isolation;
  consumer cons(*f.sys, cc);
  cons.assign({{topic, 0}, {topic, 1}});
  cons.seek_to_beginning();
  std::vector<std::string> got;
  auto take = [&] {
    for (auto& r : cons.poll(200ms))
      got.push_back(r.value.value_or(""));
  };
  eventually([&] {
    take();
    return got.size() >= want;
  });
  take();
  std::map<char, int> out;
  for (auto& v : got)
    ++out[v.empty() ? '?' : v[0]];
  return out;
}

} // namespace

TEST_CASE("native transactions: read_committed sees committed ones only, offsets count on commit, and a "
          "second instance fences the first",
          "[producer][txn]") {
  cluster_fixture f;
  REQUIRE(f.create(1, "tx", 2, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("tx", 2); }));

  producer p{*f.sys, txn_config(f, "native-tx")};
  CHECK(p.producer_id() >= 0);
  auto outside = p.send("tx", std::nullopt, std::string("x")).get();
  CHECK_FALSE(outside.ok());
  CHECK(outside.error.find("outside a transaction") != std::string::npos);

  // A transaction that wrote nothing commits without asking anyone.
  p.begin_transaction();
  CHECK(p.commit_transaction() == "");
  p.begin_transaction();
  send_all(p, "tx", "c", 100);
  CHECK(p.send_offsets_to_transaction("g-tx", {{"tx", 0, 42}}) == "");
  CHECK(p.commit_transaction() == "");
  p.begin_transaction();
  send_all(p, "tx", "a", 50);
  CHECK(p.send_offsets_to_transaction("g-tx", {{"tx", 0, 99}}) == "");
  CHECK(p.abort_transaction() == "");
  p.begin_transaction();
  send_all(p, "tx", "d", 30);
  CHECK(p.commit_transaction() == "");

  // Fencing: an open transaction of the first instance is aborted when a
  // second instance with the same id starts.
  p.begin_transaction();
  send_all(p, "tx", "z", 10);
  producer second{*f.sys, txn_config(f, "native-tx")};
  CHECK(second.producer_epoch() > p.producer_epoch());
  auto late = p.commit_transaction();
  INFO("the fenced instance's commit: " << late);
  CHECK(!late.empty());

  auto committed = read_prefixes(f, "tx", consumer_config::isolation::read_committed, 130);
  CHECK(committed['c'] == 100);
  CHECK(committed['d'] == 30);
  CHECK(committed['a'] == 0);
  CHECK(committed['z'] == 0);
  auto everything = read_prefixes(f, "tx", consumer_config::isolation::read_uncommitted, 190);
  CHECK(everything['a'] == 50);
  CHECK(everything['z'] == 10);

  consumer_config gc;
  gc.bootstrap = f.cluster->running();
  gc.group_id = "g-tx";
  consumer group_reader(*f.sys, gc);
  CHECK(group_reader.committed({"tx", 0}) == std::optional<std::int64_t>{42});
}
