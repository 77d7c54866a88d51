#include <catch2/catch.hpp>

#include "runtime/raft/heartbeat_batcher.hpp"

using namespace rivulet::raft;

namespace {

message hb(int from, int to, std::uint64_t term, std::uint64_t commit,
           message_type t = message_type::heartbeat) {
  message m;
  m.type = t;
  m.from = node_id{from};
  m.to = node_id{to};
  m.term = term_id{term};
  m.commit = log_index{commit};
  return m;
}

} // namespace

TEST_CASE("heartbeats of many groups become one message per destination", "[raft]") {
  heartbeat_batcher b;
  for (int g = 1; g <= 100; ++g) {
    std::vector<message> out{hb(1, 2, 3, g), hb(1, 3, 3, g)};
    message append;
    append.type = message_type::append_request;
    append.from = node_id{1};
    append.to = node_id{2};
    out.push_back(append);
    b.collect(group_id{g}, out);
    REQUIRE(out.size() == 1); // only the append is left to send alone
    CHECK(out[0].type == message_type::append_request);
  }
  CHECK(b.pending() == 200);
  auto batches = b.flush();
  REQUIRE(batches.size() == 2);
  CHECK(batches[0].to == node_id{2});
  CHECK(batches[1].to == node_id{3});
  CHECK(batches[0].items.size() == 100);
  CHECK(b.pending() == 0);
  CHECK(b.flush().empty());
}

TEST_CASE("a coalesced heartbeat splits back into the original group messages", "[raft]") {
  heartbeat_batcher b;
  std::vector<message> g1{hb(1, 2, 5, 10)};
  std::vector<message> g2{hb(1, 2, 7, 4)};
  std::vector<message> g3{hb(1, 2, 2, 0, message_type::heartbeat_reply)};
  b.collect(group_id{1}, g1);
  b.collect(group_id{2}, g2);
  b.collect(group_id{3}, g3);
  auto batches = b.flush();
  REQUIRE(batches.size() == 1);
  auto parts = heartbeat_batcher::split(batches[0]);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].group == group_id{1});
  CHECK(parts[0].msg.term == term_id{5});
  CHECK(parts[0].msg.commit == log_index{10});
  CHECK(parts[1].group == group_id{2});
  CHECK(parts[1].msg.commit == log_index{4});
  CHECK(parts[2].msg.type == message_type::heartbeat_reply);
  for (const auto& p : parts) {
    CHECK(p.msg.from == node_id{1});
    CHECK(p.msg.to == node_id{2});
  }
}

TEST_CASE("heartbeats from different senders to one node are kept apart", "[raft]") {
  heartbeat_batcher b;
  std::vector<message> a{hb(1, 3, 1, 1)};
  std::vector<message> c{hb(2, 3, 1, 1)};
  b.collect(group_id{1}, a);
  b.collect(group_id{2}, c);
  auto batches = b.flush();
  REQUIRE(batches.size() == 2);
  CHECK(batches[0].from != batches[1].from);
}
