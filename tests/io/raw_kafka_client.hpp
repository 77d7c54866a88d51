#pragma once

// A blocking Kafka protocol client for tests: just enough Produce v3 and
// Fetch v4 to move raw record batch bytes to and from a broker. Test-only;
// every failure is a Catch assertion.

#include "io/errors.hpp"
#include "io/kafka/record_batch.hpp"
#include "io/kafka/wire.hpp"

#include <catch2/catch.hpp>

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rivulet::io::kafka::test {

using bytes = std::vector<std::uint8_t>;

class raw_connection {
public:
  explicit raw_connection(const std::string& host_port) {
    const auto colon = host_port.rfind(':');
    REQUIRE(colon != std::string::npos);
    const std::string host = host_port.substr(0, colon), port = host_port.substr(colon + 1);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    REQUIRE(getaddrinfo(host.c_str(), port.c_str(), &hints, &found) == 0);
    for (addrinfo* a = found; a && fd_ < 0; a = a->ai_next) {
      fd_ = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
      if (fd_ >= 0 && ::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
        ::close(fd_);
        fd_ = -1;
      }
    }
    freeaddrinfo(found);
    REQUIRE(fd_ >= 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  ~raw_connection() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  /// Sends one request and returns the response body after the correlation id.
  bytes call(std::int16_t api_key, std::int16_t version, const bytes& body) {
    auto id = send_request(api_key, version, body);
    auto [answered, response] = read_response();
    CHECK(answered == id);
    return response;
  }

  /// Sends one request without waiting (pipelining); returns its correlation id.
  std::int32_t send_request(std::int16_t api_key, std::int16_t version, const bytes& body) {
    bytes frame;
    wire_writer w{frame};
    w.write_int32(0); // size, patched below
    w.write_int16(api_key);
    w.write_int16(version);
    w.write_int32(++correlation_id_);
    w.write_nullable_string("rivulet-test");
    w.write_raw(body);
    w.patch_int32(0, static_cast<std::int32_t>(frame.size() - 4));
    send_all(frame);
    return correlation_id_;
  }

  /// The next response: its correlation id and the body after it.
  std::pair<std::int32_t, bytes> read_response() {
    bytes size_bytes = recv_exact(4);
    auto size = wire_reader{size_bytes}.read_int32("response size");
    REQUIRE(size.ok());
    REQUIRE(*size >= 4);
    bytes response = recv_exact(static_cast<std::size_t>(*size));
    return {static_cast<std::int32_t>(load_be32(response.data())), bytes(response.begin() + 4, response.end())};
  }

private:
  void send_all(const bytes& b) {
    std::size_t sent = 0;
    while (sent < b.size()) {
      ssize_t n = ::send(fd_, b.data() + sent, b.size() - sent, MSG_NOSIGNAL);
      REQUIRE(n > 0);
      sent += static_cast<std::size_t>(n);
    }
  }
  bytes recv_exact(std::size_t n) {
    bytes b(n);
    std::size_t got = 0;
    while (got < n) {
      ssize_t r = ::recv(fd_, b.data() + got, n - got, 0);
      REQUIRE(r > 0);
      got += static_cast<std::size_t>(r);
    }
    return b;
  }

  int fd_ = -1;
  std::int32_t correlation_id_ = 0;
};

template <class T>
T must(result<T> r) {
  INFO(r.error().to_string());
  REQUIRE(r.ok());
  return std::move(*r);
}

/// Produce v3 of one batch to partition 0; returns the assigned base offset.
inline std::int64_t produce_raw(raw_connection& conn, const char* topic, const bytes& batch) {
  bytes body;
  wire_writer w{body};
  w.write_nullable_string(std::nullopt); // transactional_id
  w.write_int16(-1);                     // acks all
  w.write_int32(10000);                  // timeout_ms
  w.write_int32(1);
  w.write_string(topic);
  w.write_int32(1);
  w.write_int32(0);
  w.write_nullable_bytes(bytes_view{batch});
  bytes reply = conn.call(0, 3, body);
  wire_reader r{reply};
  REQUIRE(must(r.read_int32("topics")) == 1);
  CHECK(must(r.read_string("name")) == topic);
  REQUIRE(must(r.read_int32("partitions")) == 1);
  CHECK(must(r.read_int32("index")) == 0);
  CHECK(must(r.read_int16("error_code")) == 0);
  return must(r.read_int64("base_offset"));
}

struct fetched {
  bytes records;
  std::int64_t high_watermark = -1;
};

/// Fetch v4 of partition 0 from `offset`: the records field and high watermark.
inline fetched fetch_raw(raw_connection& conn, const char* topic, std::int64_t offset) {
  bytes body;
  wire_writer w{body};
  w.write_int32(-1);   // replica_id
  w.write_int32(500);  // max_wait_ms
  w.write_int32(1);    // min_bytes
  w.write_int32(1 << 24);
  w.write_int8(0);     // read_uncommitted
  w.write_int32(1);
  w.write_string(topic);
  w.write_int32(1);
  w.write_int32(0);
  w.write_int64(offset);
  w.write_int32(1 << 24);
  bytes reply = conn.call(1, 4, body);
  wire_reader r{reply};
  must(r.read_int32("throttle_time_ms"));
  REQUIRE(must(r.read_int32("topics")) == 1);
  CHECK(must(r.read_string("name")) == topic);
  REQUIRE(must(r.read_int32("partitions")) == 1);
  CHECK(must(r.read_int32("index")) == 0);
  CHECK(must(r.read_int16("error_code")) == 0);
  fetched out;
  out.high_watermark = must(r.read_int64("high_watermark"));
  must(r.read_int64("last_stable_offset"));
  std::int32_t aborted = must(r.read_int32("aborted_transactions"));
  for (std::int32_t i = 0; i < aborted; ++i) {
    must(r.read_int64("producer_id"));
    must(r.read_int64("first_offset"));
  }
  auto records = must(r.read_nullable_bytes("records"));
  if (records)
    out.records = records->to_vector();
  return out;
}

/// The whole partition as raw batch bytes, one Fetch per round: the mock
/// broker returns a single batch per Fetch. Every Fetch reply must split
/// cleanly into whole batches.
inline std::vector<bytes> fetch_all(raw_connection& conn, const char* topic) {
  std::vector<bytes> batches;
  std::int64_t next = 0, high_watermark = 1;
  for (int round = 0; round < 1000 && next < high_watermark; ++round) {
    fetched f = fetch_raw(conn, topic, next);
    high_watermark = f.high_watermark;
    if (next >= high_watermark)
      break;
    batch_split split = split_batches(f.records);
    INFO(split.tail_error.to_string());
    REQUIRE(split.tail == batch_split::tail_kind::none);
    REQUIRE_FALSE(split.batches.empty());
    for (const auto& b : split.batches) {
      batches.push_back(b.bytes().to_vector());
      next = b.header().last_offset() + 1;
    }
  }
  return batches;
}

} // namespace rivulet::io::kafka::test
