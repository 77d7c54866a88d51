#include "actors/kafka_listener.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/kafka_requests.hpp"
#include "actors/type_ids.hpp"
#include "io/kafka/protocol.hpp"
#include "runtime/log.hpp"

namespace rivulet::actors {

namespace {

namespace kafka = io::kafka;
using caf::io::connection_handle;

/// One response slot: filled when the answer is ready; sent in order.
struct response_slot {
  bool ready = false;
  std::vector<std::uint8_t> bytes;  // empty and ready: no response (acks=0)
};

struct connection {
  /// Unique per connection: CAF's handles are socket descriptors, which the
  /// OS reuses, so a late answer for a closed connection must not land in
  /// a new one that got the same handle.
  std::uint64_t id = 0;
  std::string peer;
  std::vector<std::uint8_t> in;
  std::uint64_t first_seq = 0;  // sequence number of out.front()
  std::deque<response_slot> out;
  bool reading = true;      // false while halted at max_in_flight_per_connection
  bool processing = false;  // process() is running (an answer can come from inside it)
};

struct listener_state {
  static inline const char* name = "rivulet.kafka_listener";
  kafka_listener_config cfg;
  std::uint16_t bound_port = 0;
  std::string open_error;
  std::map<connection_handle, connection> conns;
  std::uint64_t next_connection_id = 1;
};

using listener_t = caf::io::stateful_broker<listener_state>;

void process(listener_t* self, connection_handle hdl);

/// Writes the ready responses at the front of `hdl`'s queue.
void flush_ready(listener_t* self, connection_handle hdl) {
  auto it = self->state.conns.find(hdl);
  if (it == self->state.conns.end())
    return;
  auto& c = it->second;
  bool wrote = false;
  while (!c.out.empty() && c.out.front().ready) {
    auto& bytes = c.out.front().bytes;
    if (!bytes.empty()) {
      auto& buf = self->wr_buf(hdl);
      buf.insert(buf.end(), bytes.begin(), bytes.end());
      wrote = true;
    }
    c.out.pop_front();
    ++c.first_seq;
  }
  if (wrote)
    self->flush(hdl);
  if (!c.reading && c.out.size() < self->state.cfg.max_in_flight_per_connection)
    process(self, hdl);  // requests read before the halt first, then the socket again
}

void close_connection(listener_t* self, connection_handle hdl, const std::string& why) {
  auto it = self->state.conns.find(hdl);
  if (it != self->state.conns.end()) {
    RIVULET_LOG(log_level::warn, "kafka", "closing connection from " << it->second.peer << ": " << why);
    self->state.conns.erase(it);
  }
  self->close(hdl);
}

/// Dispatches the complete requests buffered for `hdl`, as many as the
/// in-flight bound allows; halts reading at the bound and resumes it below.
void process(listener_t* self, connection_handle hdl) {
  auto it = self->state.conns.find(hdl);
  if (it == self->state.conns.end())
    return;
  auto& c = it->second;
  if (c.processing)
    return;  // the running call sees the freed slot when dispatch returns
  c.processing = true;
  auto max_in_flight = std::max<std::size_t>(self->state.cfg.max_in_flight_per_connection, 1);
  std::size_t used = 0;
  while (c.out.size() < max_in_flight) {
    kafka::bytes_view rest{c.in.data() + used, c.in.size() - used};
    auto framed = kafka::split_frame(rest, self->state.cfg.max_frame_bytes);
    if (!framed) {
      close_connection(self, hdl, framed.error().to_string());
      return;
    }
    if (!*framed)
      break;  // need more bytes
    auto frame = **framed;
    auto req = kafka::parse_request(frame.payload);
    if (!req) {
      close_connection(self, hdl, "malformed request: " + req.error().to_string());
      return;
    }
    auto seq = c.first_seq + c.out.size();
    c.out.emplace_back();
    auto deliver = [self, hdl, seq, id = c.id](std::vector<std::uint8_t> bytes) {
      auto ci = self->state.conns.find(hdl);
      if (ci == self->state.conns.end() || ci->second.id != id || seq < ci->second.first_seq
          || seq - ci->second.first_seq >= ci->second.out.size())
        return;  // connection gone meanwhile (or its handle reused)
      auto& slot = ci->second.out[seq - ci->second.first_seq];
      slot.ready = true;
      slot.bytes = std::move(bytes);
      flush_ready(self, hdl);
    };
    auto fail = [self, hdl, id = c.id](const std::string& why) {
      auto ci = self->state.conns.find(hdl);
      if (ci != self->state.conns.end() && ci->second.id == id)
        close_connection(self, hdl, why);
    };
    kafka_request_context ctx{self, self->state.cfg.node, &self->state.cfg, std::move(deliver), std::move(fail)};
    dispatch_kafka_request(ctx, *req);
    // dispatch may have closed the connection (map nodes of others stay put)
    if (self->state.conns.find(hdl) == self->state.conns.end())
      return;
    used += frame.frame_bytes;
  }
  c.processing = false;
  c.in.erase(c.in.begin(), c.in.begin() + static_cast<std::ptrdiff_t>(used));
  bool full = c.out.size() >= max_in_flight;
  if (full && c.reading) {
    self->halt(hdl);
    c.reading = false;
  } else if (!full && !c.reading) {
    self->trigger(hdl);
    c.reading = true;
    // CAF 0.17 drops a trigger() that comes in the same round of its event
    // loop as the halt() it undoes (the stream still has its reader, so it
    // does not re-register; the pending removal then lands): the connection
    // would never be read again. Seen as 60 s stalls in rivulet-bench kafka.
    // A later trigger() repairs that and changes nothing otherwise.
    for (auto delay : {std::chrono::milliseconds(10), std::chrono::milliseconds(200)})
      self->delayed_send(self, delay, wakeup_atom_v, c.id);
  }
}

void handle_data(listener_t* self, connection_handle hdl, const std::vector<char>& data) {
  auto it = self->state.conns.find(hdl);
  if (it == self->state.conns.end())
    return;
  auto& c = it->second;
  auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
  c.in.insert(c.in.end(), bytes, bytes + data.size());  // same element type: one memmove
  process(self, hdl);
}

caf::behavior kafka_server(listener_t* self, kafka_listener_config cfg) {
  self->state.cfg = std::move(cfg);
  // SO_REUSEADDR: a node restarted within TCP's TIME_WAIT (a minute after
  // its clients' connections closed) must get its Kafka port back.
  auto opened = self->add_tcp_doorman(self->state.cfg.port, nullptr, true);
  if (opened)
    self->state.bound_port = opened->second;
  else
    self->state.open_error = self->system().render(opened.error());
  return {
    [self](status_atom) -> caf::result<std::uint16_t, std::string> {
      return {self->state.bound_port, self->state.open_error};
    },
    [self](const caf::io::new_connection_msg& msg) {
      auto& c = self->state.conns[msg.handle];
      c = connection{};
      c.id = self->state.next_connection_id++;
      c.peer = self->remote_addr(msg.handle) + ":" + std::to_string(self->remote_port(msg.handle));
      // CAF zero-fills its read buffer back to this size after every read
      // (the bytes a read did not fill): with 1 MiB that memset showed in
      // the node's profile next to the copies of the data itself.
      self->configure_read(msg.handle, caf::io::receive_policy::at_most(128 << 10));
    },
    [self](const caf::io::new_data_msg& msg) { handle_data(self, msg.handle, msg.buf); },
    [self](wakeup_atom, std::uint64_t connection_id) {
      for (auto& [hdl, c] : self->state.conns)
        if (c.id == connection_id && c.reading)
          self->trigger(hdl);
    },
    [self](const caf::io::connection_closed_msg& msg) { self->state.conns.erase(msg.handle); },
    [self](const caf::io::acceptor_closed_msg&) { self->quit(); },
  };
}

} // namespace

caf::actor spawn_kafka_listener(caf::actor_system& sys, kafka_listener_config cfg, std::uint16_t& bound_port,
                                std::string& error) {
  auto port = cfg.port;
  auto broker = sys.middleman().spawn_broker(kafka_server, std::move(cfg));
  caf::scoped_actor self{sys};
  std::string why = "the listener did not answer";
  self->request(broker, std::chrono::seconds(10), status_atom_v)
    .receive(
      [&](std::uint16_t bound, std::string& open_error) {
        bound_port = bound;
        why = std::move(open_error);
      },
      [&](caf::error& e) { why = sys.render(e); });
  if (!why.empty()) {
    self->send_exit(broker, caf::exit_reason::user_shutdown);
    error = "cannot listen for Kafka clients on port " + std::to_string(port) + ": " + why;
    return {};
  }
  return broker;
}

} // namespace rivulet::actors
