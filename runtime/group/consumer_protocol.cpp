#include "runtime/group/consumer_protocol.hpp"

#include <algorithm>

#include "runtime/group/byte_codec.hpp"

namespace rivulet::group {

namespace {

void write_topic_partitions(detail::byte_writer& w, const std::vector<topic_partitions>& tps) {
  w.i32(static_cast<std::int32_t>(tps.size()));
  for (const auto& t : tps) {
    w.str16(t.topic);
    w.i32(static_cast<std::int32_t>(t.partitions.size()));
    for (std::int32_t p : t.partitions)
      w.i32(p);
  }
}

std::vector<topic_partitions> read_topic_partitions(detail::byte_reader& r, const char* field) {
  std::vector<topic_partitions> out;
  // Each entry is at least a string length and a partition count.
  std::int32_t n = r.count(field, 6);
  for (std::int32_t i = 0; i < n && !r.failed(); ++i) {
    topic_partitions t;
    t.topic = r.str16("topic");
    std::int32_t np = r.count("partitions", 4);
    for (std::int32_t j = 0; j < np && !r.failed(); ++j)
      t.partitions.push_back(r.i32("partition"));
    out.push_back(std::move(t));
  }
  return out;
}

} // namespace

bytes encode_subscription(const consumer_subscription& s) {
  bytes out;
  detail::byte_writer w(out);
  w.i16(s.version);
  w.i32(static_cast<std::int32_t>(s.topics.size()));
  for (const auto& t : s.topics)
    w.str16(t);
  w.nullable_bytes32(s.user_data);
  if (s.version >= 1)
    write_topic_partitions(w, s.owned_partitions);
  if (s.version >= 2)
    w.i32(s.generation);
  return out;
}

decode_result<consumer_subscription> decode_subscription(const bytes& b) {
  detail::byte_reader r(b);
  consumer_subscription s;
  s.version = r.i16("version");
  if (!r.failed() && s.version < 0)
    r.fail("version", "negative");
  std::int32_t n = r.count("topics", 2);
  for (std::int32_t i = 0; i < n && !r.failed(); ++i)
    s.topics.push_back(r.str16("topic"));
  s.user_data = r.nullable_bytes32("user data");
  if (s.version >= 1)
    s.owned_partitions = read_topic_partitions(r, "owned partitions");
  if (s.version >= 2)
    s.generation = r.i32("generation");
  // Newer versions append fields; older ones must end here.
  if (!r.failed() && s.version <= 2 && !r.at_end())
    r.fail("subscription", "trailing bytes");
  if (r.failed())
    return decode_result<consumer_subscription>::failure("subscription: " + r.error());
  return {std::move(s), {}};
}

bytes encode_assignment(const consumer_assignment& a) {
  bytes out;
  detail::byte_writer w(out);
  w.i16(a.version);
  write_topic_partitions(w, a.partitions);
  w.nullable_bytes32(a.user_data);
  return out;
}

decode_result<consumer_assignment> decode_assignment(const bytes& b) {
  consumer_assignment a;
  if (b.empty()) {
    a.version = 0;
    return {std::move(a), {}};
  }
  detail::byte_reader r(b);
  a.version = r.i16("version");
  if (!r.failed() && a.version < 0)
    r.fail("version", "negative");
  a.partitions = read_topic_partitions(r, "assigned partitions");
  a.user_data = r.nullable_bytes32("user data");
  if (!r.failed() && a.version <= 2 && !r.at_end())
    r.fail("assignment", "trailing bytes");
  if (r.failed())
    return decode_result<consumer_assignment>::failure("assignment: " + r.error());
  return {std::move(a), {}};
}

std::vector<topic_partition> flatten(const std::vector<topic_partitions>& tps) {
  std::vector<topic_partition> out;
  for (const auto& t : tps)
    for (std::int32_t p : t.partitions)
      out.push_back({t.topic, p});
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<topic_partitions> group_by_topic(std::vector<topic_partition> tps) {
  std::sort(tps.begin(), tps.end());
  std::vector<topic_partitions> out;
  for (auto& tp : tps) {
    if (out.empty() || out.back().topic != tp.topic)
      out.push_back({tp.topic, {}});
    out.back().partitions.push_back(tp.partition);
  }
  return out;
}

} // namespace rivulet::group
