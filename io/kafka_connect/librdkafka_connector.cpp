#include "io/kafka_connect/librdkafka_connector.hpp"

#include "io/kafka_connect/librdkafka_reader.hpp"
#include "io/kafka_connect/librdkafka_writer.hpp"
#include "io/kafka_connect/rdkafka_conf.hpp"

namespace rivulet::io::kafka_connect {

namespace {

class librdkafka_connector final : public kafka_connector {
public:
  void check_properties(const kafka_properties& properties) const override {
    rd_kafka_conf_destroy(make_conf(properties, {}));
  }
  std::unique_ptr<kafka_reader> open_reader(const kafka_properties& properties,
                                            const std::vector<std::string>& topics, int instance, int parallelism,
                                            const kafka_read_options& options) override {
    return std::make_unique<librdkafka_reader>(properties, topics, instance, parallelism, options);
  }
  std::unique_ptr<kafka_writer> open_writer(const kafka_properties& properties, const std::string& topic) override {
    return std::make_unique<librdkafka_writer>(properties, topic);
  }
};

} // namespace

std::shared_ptr<kafka_connector> make_librdkafka_connector() {
  return std::make_shared<librdkafka_connector>();
}

} // namespace rivulet::io::kafka_connect
