#include "io/kafka/txn_offset_commit.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

namespace {

// Smallest encodings, for checking counts before allocating.
constexpr std::size_t min_topic_bytes = 2 + 4; // name length, partition count

std::size_t min_partition_bytes(std::int16_t version) {
  // index, offset, (leader epoch), metadata length
  return 4 + 8 + (version >= 2 ? 4 : 0) + 2;
}

status decode_partitions(wire_reader& body,
                         std::vector<txn_offset_commit_request_partition>& out,
                         std::int16_t version) {
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("topics[].partitions",
                                                  min_partition_bytes(version)),
                           count);
      !st)
    return st;
  out.resize(count);
  for (auto& p : out) {
    if (auto st = take_field(body.read_int32("partitions[].index"), p.partition_index); !st)
      return st;
    if (auto st = take_field(body.read_int64("partitions[].committed_offset"),
                             p.committed_offset);
        !st)
      return st;
    if (version >= 2) {
      if (auto st = take_field(body.read_int32("partitions[].committed_leader_epoch"),
                               p.committed_leader_epoch);
          !st)
        return st;
    }
    if (auto st = take_field(body.read_nullable_string("partitions[].committed_metadata"),
                             p.committed_metadata);
        !st)
      return st;
  }
  return {};
}

} // namespace

result<txn_offset_commit_request> decode_txn_offset_commit_request(wire_reader& body,
                                                                   std::int16_t version) {
  if (version < txn_offset_commit_min_version || version > txn_offset_commit_max_version)
    return detail::unsupported_version("TxnOffsetCommit", version);
  txn_offset_commit_request req;
  if (auto st = take_field(body.read_string("transactional_id"), req.transactional_id); !st)
    return st;
  if (auto st = take_field(body.read_string("group_id"), req.group_id); !st)
    return st;
  if (auto st = take_field(body.read_int64("producer_id"), req.producer_id); !st)
    return st;
  if (auto st = take_field(body.read_int16("producer_epoch"), req.producer_epoch); !st)
    return st;
  std::size_t count = 0;
  if (auto st = take_field(body.read_array_length("topics", min_topic_bytes), count); !st)
    return st;
  req.topics.resize(count);
  for (auto& t : req.topics) {
    if (auto st = take_field(body.read_string("topics[].name"), t.name); !st)
      return st;
    if (auto st = decode_partitions(body, t.partitions, version); !st)
      return st;
  }
  if (!body.at_end())
    return detail::trailing_bytes(body, "TxnOffsetCommit");
  return req;
}

void encode_txn_offset_commit_request(wire_writer& out, const txn_offset_commit_request& req,
                                      std::int16_t version) {
  out.write_string(req.transactional_id);
  out.write_string(req.group_id);
  out.write_int64(req.producer_id);
  out.write_int16(req.producer_epoch);
  out.write_array_length(req.topics.size());
  for (const auto& t : req.topics) {
    out.write_string(t.name);
    out.write_array_length(t.partitions.size());
    for (const auto& p : t.partitions) {
      out.write_int32(p.partition_index);
      out.write_int64(p.committed_offset);
      if (version >= 2)
        out.write_int32(p.committed_leader_epoch);
      out.write_nullable_string(p.committed_metadata);
    }
  }
}

void encode_txn_offset_commit_response(wire_writer& out, const txn_offset_commit_response& resp,
                                       std::int16_t) {
  // v0..v2 share one layout.
  out.write_int32(resp.throttle_time_ms);
  out.write_array_length(resp.topics.size());
  for (const auto& t : resp.topics) {
    out.write_string(t.name);
    out.write_array_length(t.partitions.size());
    for (const auto& p : t.partitions) {
      out.write_int32(p.partition_index);
      out.write_int16(p.error_code);
    }
  }
}

} // namespace rivulet::io::kafka
