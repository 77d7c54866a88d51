// The Kafka listener's flow control: a client that pipelines more requests
// than max_in_flight_per_connection gets every answer, in order, while the
// node never holds more than the bound at once.

#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/executor.hpp"
#include "actors/kafka_listener.hpp"
#include "actors/node_messages.hpp"
#include "actors/remote.hpp"
#include "actors/type_ids.hpp"
#include "tests/io/raw_kafka_client.hpp"

using namespace rivulet;
using namespace rivulet::actors;

namespace {

/// Stands in for a node: holds each metadata request and answers the
/// oldest one a few milliseconds later, so requests pile up here if the
/// listener lets them.
struct slow_node_state {
  std::deque<caf::typed_response_promise<metadata_reply>> held;
  std::uint64_t max_held = 0;
  std::uint64_t answered = 0;
};

caf::behavior slow_node(caf::stateful_actor<slow_node_state>* self) {
  return {
    [self](const metadata_request&) -> caf::result<metadata_reply> {
      auto& st = self->state;
      st.held.push_back(self->make_response_promise<metadata_reply>());
      st.max_held = std::max<std::uint64_t>(st.max_held, st.held.size());
      self->delayed_send(self, std::chrono::milliseconds(3), flush_atom_v);
      return st.held.back();
    },
    [self](flush_atom) {
      auto& st = self->state;
      if (st.held.empty())
        return;
      st.held.front().deliver(metadata_reply{});
      st.held.pop_front();
      ++st.answered;
    },
    [self](report_atom) -> std::vector<std::uint64_t> {
      return {self->state.max_held, self->state.answered};
    },
  };
}

} // namespace

TEST_CASE("the Kafka listener answers pipelined requests in order and holds at most max_in_flight_per_connection "
          "of them",
          "[kafka-listener]") {
  caf::actor_system_config cfg;
  configure_system(cfg, job_config{});
  configure_network(cfg);
  caf::actor_system sys{cfg};
  auto node = sys.spawn(slow_node);
  kafka_listener_config lc;
  lc.node = node;
  lc.node_id = 1;
  lc.max_in_flight_per_connection = 3;
  std::uint16_t port = 0;
  std::string error;
  auto listener = spawn_kafka_listener(sys, lc, port, error);
  REQUIRE(listener);
  INFO(error);

  io::kafka::test::raw_connection conn("127.0.0.1:" + std::to_string(port));
  // Metadata v1 for every topic (a null topic array), 40 times without waiting.
  io::kafka::test::bytes body;
  io::kafka::wire_writer w{body};
  w.write_int32(-1);
  std::vector<std::int32_t> sent;
  for (int i = 0; i < 40; ++i)
    sent.push_back(conn.send_request(3, 1, body));
  std::vector<std::int32_t> answered;
  for (int i = 0; i < 40; ++i)
    answered.push_back(conn.read_response().first);  // each read waits at most 10 s (socket timeout)
  CHECK(answered == sent);

  caf::scoped_actor self{sys};
  std::vector<std::uint64_t> report;
  self->request(node, std::chrono::seconds(10), report_atom_v)
    .receive([&](std::vector<std::uint64_t>& r) { report = r; }, [&](caf::error& e) { FAIL(sys.render(e)); });
  REQUIRE(report.size() == 2);
  CHECK(report[1] == 40);
  CHECK(report[0] <= 3);  // the bound held
  CHECK(report[0] >= 2);  // and requests were pipelined up to it, not one by one
  self->send_exit(listener, caf::exit_reason::user_shutdown);
  self->send_exit(node, caf::exit_reason::user_shutdown);
}
