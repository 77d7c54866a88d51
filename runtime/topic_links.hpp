#pragma once

// The source and sink links behind env.from_topic() and stream.to_topic().

#include <exception>
#include <memory>
#include <string>

#include "runtime/sources.hpp"
#include "runtime/stages.hpp"
#include "runtime/topic_io.hpp"
#include "runtime/operator_error.hpp"

namespace rivulet {

/// Emits deserialize(message) for each record of the partitions this
/// instance owns, with the record's timestamp as event time.
template <class T, class F>
class topic_source final : public typed_source<T> {
public:
  topic_source(instance_info info, collector<T>* down, std::shared_ptr<topic_client> client, std::string topic,
               topic_read_options options, F deserialize)
    : typed_source<T>(std::move(info), down), client_(std::move(client)), topic_(std::move(topic)),
      options_(options), deserialize_(std::move(deserialize)) {
  }

  void open(link_context& ctx) override {
    typed_source<T>::open(ctx);
    try {
      reader_ = client_->open_reader(topic_, this->info_.instance, this->info_.parallelism, options_);
    } catch (const std::exception& e) {
      throw operator_error(this->info_, "cannot read topic '" + topic_ + "': " + e.what());
    }
  }

  bool emit(std::size_t max_records) override {
    if (options_.bounded && reader_->finished())
      return false;
    std::vector<topic_message> got;
    try {
      got = reader_->poll(max_records, options_.poll_wait);
    } catch (const std::exception& e) {
      throw operator_error(this->info_, "reading topic '" + topic_ + "': " + e.what());
    }
    for (auto& m : got) {
      ++this->in_;
      auto ts = m.timestamp_ms;
      this->down_->push(guarded(this->info_, [&]() -> T { return deserialize_(m); }), ts);
    }
    return !(options_.bounded && reader_->finished());
  }

  /// Next offset per owned partition.
  std::map<std::int32_t, std::int64_t> positions() const {
    return reader_ ? reader_->positions() : std::map<std::int32_t, std::int64_t>{};
  }

private:
  std::shared_ptr<topic_client> client_;
  std::string topic_;
  topic_read_options options_;
  F deserialize_;
  std::unique_ptr<topic_reader> reader_;
};

/// Sends (key_fn(rec), serialize(rec)) for each record; at end of input
/// waits until all are acknowledged, and fails the job on a delivery error.
template <class T, class Ser, class KeyFn>
class topic_sink final : public sink_link<T> {
public:
  topic_sink(instance_info info, std::shared_ptr<topic_client> client, std::string topic, Ser serialize,
             KeyFn key_fn)
    : sink_link<T>(std::move(info)), client_(std::move(client)), topic_(std::move(topic)),
      serialize_(std::move(serialize)), key_fn_(std::move(key_fn)) {
  }

protected:
  void on_open() override {
    writer_ = client_->open_writer(topic_);
  }
  void consume(const T& rec) override {
    if (auto e = writer_->error(); !e.empty())
      throw operator_error(this->info_, "writing topic '" + topic_ + "': " + e);
    writer_->send(std::optional<std::string>(key_fn_(rec)), std::optional<std::string>(serialize_(rec)), -1);
  }
  void on_finish() override {
    if (auto e = writer_->flush(); !e.empty())
      throw operator_error(this->info_, "writing topic '" + topic_ + "': " + e);
  }

private:
  std::shared_ptr<topic_client> client_;
  std::string topic_;
  Ser serialize_;
  KeyFn key_fn_;
  std::unique_ptr<topic_writer> writer_;
};

} // namespace rivulet
