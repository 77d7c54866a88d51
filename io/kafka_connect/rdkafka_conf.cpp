#include "io/kafka_connect/rdkafka_conf.hpp"

#include <stdexcept>

#include "runtime/log.hpp"

namespace rivulet::io::kafka_connect {

namespace {

void log_to_rivulet(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  // syslog levels: 0-3 error, 4 warning, 5-6 notice/info, 7 debug.
  auto lvl = level <= 3 ? log_level::error : level == 4 ? log_level::warn : level <= 6 ? log_level::info
                                                                                      : log_level::debug;
  RIVULET_LOG(lvl, "kafka-connect", rd_kafka_name(rk) << " " << fac << ": " << buf);
}

void set_or_throw(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char err[512] = "";
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::invalid_argument("Kafka property '" + name + "' = '" + value + "': " + err);
  }
}

} // namespace

rd_kafka_conf_t* make_conf(const kafka_properties& properties, const property_defaults& defaults) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, &log_to_rivulet);
  for (auto& [name, value] : properties)
    set_or_throw(conf, name, value);
  for (auto& [name, value] : defaults)
    if (!properties.count(name))
      set_or_throw(conf, name, value);
  return conf;
}

std::string error_text(rd_kafka_resp_err_t err) {
  return rd_kafka_err2str(err);
}

} // namespace rivulet::io::kafka_connect
