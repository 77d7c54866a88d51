#pragma once

// Building librdkafka configurations from user properties: every property
// is passed through as given; rivulet's defaults apply only to names the
// user did not set. Owns nothing after it returns.

#include <librdkafka/rdkafka.h>

#include <string>
#include <utility>
#include <vector>

#include "runtime/kafka_io.hpp"

namespace rivulet::io::kafka_connect {

/// Defaults a source or sink adds when the user left the name unset.
using property_defaults = std::vector<std::pair<std::string, std::string>>;

/// A new rd_kafka_conf_t holding `properties` then the unset `defaults`,
/// with librdkafka's log lines routed to rivulet's logger (never stderr).
/// The caller owns the result (rd_kafka_new takes it over). Throws
/// std::invalid_argument "Kafka property 'name' = 'value': <librdkafka's
/// reason>" for the first property librdkafka rejects.
rd_kafka_conf_t* make_conf(const kafka_properties& properties, const property_defaults& defaults);

/// librdkafka's text for `err`.
std::string error_text(rd_kafka_resp_err_t err);

} // namespace rivulet::io::kafka_connect
