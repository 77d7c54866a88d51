#pragma once

// The librdkafka implementation of runtime's kafka_connector, behind
// env.from_kafka() and stream.to_kafka():
//
//   rivulet::environment env{cfg};
//   env.set_kafka_connector(rivulet::io::kafka_connect::make_librdkafka_connector());
//   rivulet::kafka_properties props{{"bootstrap.servers", "broker:9092"}};
//   env.from_kafka<std::string>(props, {"in"}, [](const rivulet::kafka_message& m) { return *m.value; })
//      .map(upper)
//      .to_kafka(props, "out", identity, key_of);
//
// runtime/ declares the interface and the links; this library (linked only
// when librdkafka-dev is installed) supplies the client, so runtime/ never
// depends on io/ or librdkafka. See docs/kafka-connectors.md.

#include <memory>

#include "runtime/kafka_io.hpp"

namespace rivulet::io::kafka_connect {

/// Properties a source sets when the user did not: group.id (librdkafka's
/// assign() needs one; no group is joined and no offset committed),
/// enable.auto.commit=false, enable.auto.offset.store=false,
/// enable.partition.eof=true (how a bounded read learns a partition's end).
/// A sink sets enable.idempotence=true (false when the user set acks to
/// something other than all/-1 or retries to 0, which idempotence forbids) and
/// partitioner=murmur2_random (Kafka's Java partitioner, as to_topic).
/// The connector holds no client; each reader and writer owns its own.
std::shared_ptr<kafka_connector> make_librdkafka_connector();

} // namespace rivulet::io::kafka_connect
