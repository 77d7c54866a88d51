#include "io/kafka/end_txn.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

result<end_txn_request> decode_end_txn_request(wire_reader& body, std::int16_t version) {
  if (version < end_txn_min_version || version > end_txn_max_version)
    return detail::unsupported_version("EndTxn", version);
  end_txn_request req;
  if (auto st = take_field(body.read_string("transactional_id"), req.transactional_id); !st)
    return st;
  if (auto st = take_field(body.read_int64("producer_id"), req.producer_id); !st)
    return st;
  if (auto st = take_field(body.read_int16("producer_epoch"), req.producer_epoch); !st)
    return st;
  std::int8_t committed = 0;
  if (auto st = take_field(body.read_int8("committed"), committed); !st)
    return st;
  req.committed = committed != 0;
  if (!body.at_end())
    return detail::trailing_bytes(body, "EndTxn");
  return req;
}

void encode_end_txn_request(wire_writer& out, const end_txn_request& req, std::int16_t) {
  // v0..v2 share one layout.
  out.write_string(req.transactional_id);
  out.write_int64(req.producer_id);
  out.write_int16(req.producer_epoch);
  out.write_int8(req.committed ? 1 : 0);
}

void encode_end_txn_response(wire_writer& out, const end_txn_response& resp, std::int16_t) {
  out.write_int32(resp.throttle_time_ms);
  out.write_int16(resp.error_code);
}

} // namespace rivulet::io::kafka
