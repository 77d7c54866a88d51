#include "io/kafka/init_producer_id.hpp"

#include "io/kafka/body_decoding.hpp"

namespace rivulet::io::kafka {

using detail::take_field;

result<init_producer_id_request> decode_init_producer_id_request(wire_reader& body,
                                                                 std::int16_t version) {
  if (version < init_producer_id_min_version || version > init_producer_id_max_version)
    return detail::unsupported_version("InitProducerId", version);
  init_producer_id_request req;
  if (auto st = take_field(body.read_nullable_string("transactional_id"), req.transactional_id);
      !st)
    return st;
  if (auto st = take_field(body.read_int32("transaction_timeout_ms"),
                           req.transaction_timeout_ms);
      !st)
    return st;
  if (!body.at_end())
    return detail::trailing_bytes(body, "InitProducerId");
  return req;
}

void encode_init_producer_id_request(wire_writer& out, const init_producer_id_request& req,
                                     std::int16_t) {
  // v0 and v1 share one layout.
  out.write_nullable_string(req.transactional_id);
  out.write_int32(req.transaction_timeout_ms);
}

void encode_init_producer_id_response(wire_writer& out, const init_producer_id_response& resp,
                                      std::int16_t) {
  out.write_int32(resp.throttle_time_ms);
  out.write_int16(resp.error_code);
  out.write_int64(resp.producer_id);
  out.write_int16(resp.producer_epoch);
}

} // namespace rivulet::io::kafka
