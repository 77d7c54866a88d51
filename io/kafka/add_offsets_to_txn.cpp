#include "io/kafka/add_offsets_to_txn.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

result<add_offsets_to_txn_request> decode_add_offsets_to_txn_request(wire_reader& body,
                                                                     std::int16_t version) {
  if (version < add_offsets_to_txn_min_version || version > add_offsets_to_txn_max_version)
    return detail::unsupported_version("AddOffsetsToTxn", version);
  add_offsets_to_txn_request req;
  if (auto st = take_field(body.read_string("transactional_id"), req.transactional_id); !st)
    return st;
  if (auto st = take_field(body.read_int64("producer_id"), req.producer_id); !st)
    return st;
  if (auto st = take_field(body.read_int16("producer_epoch"), req.producer_epoch); !st)
    return st;
  if (auto st = take_field(body.read_string("group_id"), req.group_id); !st)
    return st;
  if (!body.at_end())
    return detail::trailing_bytes(body, "AddOffsetsToTxn");
  return req;
}

void encode_add_offsets_to_txn_request(wire_writer& out, const add_offsets_to_txn_request& req,
                                       std::int16_t) {
  // v0..v2 share one layout.
  out.write_string(req.transactional_id);
  out.write_int64(req.producer_id);
  out.write_int16(req.producer_epoch);
  out.write_string(req.group_id);
}

void encode_add_offsets_to_txn_response(wire_writer& out,
                                        const add_offsets_to_txn_response& resp, std::int16_t) {
  out.write_int32(resp.throttle_time_ms);
  out.write_int16(resp.error_code);
}

} // namespace rivulet::io::kafka
