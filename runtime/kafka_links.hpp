#pragma once

// The source and sink links behind env.from_kafka() and stream.to_kafka().

#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/kafka_io.hpp"
#include "runtime/operator_error.hpp"
#include "runtime/partition_watermarks.hpp"
#include "runtime/sources.hpp"
#include "runtime/stages.hpp"
#include "runtime/watermark_strategy.hpp"

namespace rivulet {

/// Emits deserialize(message) for each record of the partitions this
/// instance owns. Event time is the strategy's timestamp assigner applied
/// to the record, else the Kafka record timestamp. With a bounded or
/// punctuated strategy, watermarks are kept per partition and the source
/// emits their minimum over active partitions (see partition_watermarks);
/// with idleness, quiet partitions stop holding it back and a source whose
/// partitions are all quiet (or that owns none) reports itself idle.
template <class T, class F>
class kafka_source final : public typed_source<T> {
public:
  kafka_source(instance_info info, collector<T>* down, std::shared_ptr<kafka_connector> connector,
               kafka_properties properties, std::vector<std::string> topics, kafka_read_options options,
               watermark_strategy<T> strategy, F deserialize)
    : typed_source<T>(std::move(info), down), connector_(std::move(connector)),
      properties_(std::move(properties)), topics_(std::move(topics)), options_(options),
      strategy_(std::move(strategy)), deserialize_(std::move(deserialize)),
      wms_(strategy_.idle_timeout_ms()) {
  }

  void open(link_context& ctx) override {
    typed_source<T>::open(ctx);
    try {
      reader_ = connector_->open_reader(properties_, topics_, this->info_.instance, this->info_.parallelism,
                                        options_);
    } catch (const std::exception& e) {
      throw operator_error(this->info_, "cannot read Kafka topics " + topic_list() + ": " + e.what());
    }
    auto now = ctx.processing_time();
    for (auto& [p, offset] : reader_->positions())
      wms_.add(p, now);
  }

  bool emit(std::size_t max_records) override {
    if (options_.bounded && reader_->finished())
      return false;
    std::vector<kafka_message> got;
    try {
      got = reader_->poll(max_records, options_.poll_wait);
    } catch (const std::exception& e) {
      throw operator_error(this->info_, "reading Kafka topics " + topic_list() + ": " + e.what());
    }
    if (!got.empty() && idle_) {
      idle_ = false;
      this->down_->on_idle_status(false);
    }
    auto now = got.empty() ? 0 : this->ctx_->processing_time();
    for (auto& m : got) {
      ++this->in_;
      kafka_partition p{m.topic, m.partition};
      T rec = guarded(this->info_, [&]() -> T { return deserialize_(m); });
      timestamp ts = m.timestamp_ms < 0 ? no_timestamp : m.timestamp_ms;
      if (strategy_.assigner())
        ts = guarded(this->info_, [&] { return strategy_.assigner()(rec); });
      wms_.on_record(p, ts, now);
      using kind = typename watermark_strategy<T>::kind;
      if (strategy_.type() == kind::bounded && ts != no_timestamp)
        wms_.advance(p, saturating_add(ts, -strategy_.delay_ms() - 1));
      else if (strategy_.type() == kind::punctuated)
        if (auto wm = guarded(this->info_, [&] { return strategy_.punctuation()(rec, ts); }))
          wms_.advance(p, *wm);
      this->down_->push(std::move(rec), ts);
    }
    return !(options_.bounded && reader_->finished());
  }

  /// After each source step: the watermark over active partitions, and
  /// the idle status when none is active.
  void on_batch_end() override {
    if (strategy_.type() != watermark_strategy<T>::kind::none && reader_) {
      if (options_.bounded) {
        auto ends = reader_->end_offsets();
        for (auto& [p, next] : reader_->positions())
          if (auto it = ends.find(p); it != ends.end() && next >= it->second)
            wms_.finish(p);
      }
      wms_.check_idle(this->ctx_->processing_time());
      if (auto wm = wms_.current(); wm && *wm > last_wm_) {
        last_wm_ = *wm;
        this->down_->on_watermark(*wm);
      }
      if (!idle_ && wms_.all_inactive() && !(options_.bounded && reader_->finished())) {
        idle_ = true;
        this->down_->on_idle_status(true);
      }
    }
    this->down_->on_batch_end();
  }

  /// Next offset per owned partition (what a checkpoint will store).
  std::map<kafka_partition, std::int64_t> positions() const {
    return reader_ ? reader_->positions() : std::map<kafka_partition, std::int64_t>{};
  }
  /// Largest event time seen per owned partition.
  std::map<kafka_partition, timestamp> max_timestamps() const {
    return wms_.max_timestamps();
  }

private:
  std::string topic_list() const {
    std::string out;
    for (auto& t : topics_)
      out += (out.empty() ? "'" : ", '") + t + "'";
    return out;
  }

  std::shared_ptr<kafka_connector> connector_;
  kafka_properties properties_;
  std::vector<std::string> topics_;
  kafka_read_options options_;
  watermark_strategy<T> strategy_;
  F deserialize_;
  partition_watermarks wms_;
  std::unique_ptr<kafka_reader> reader_;
  timestamp last_wm_ = min_watermark;
  bool idle_ = false;
};

/// Sends (key_fn(rec), serialize(rec)) for each record to `topic`; at end
/// of input waits for every delivery report, and fails the job on a fatal
/// producer error or a failed delivery.
template <class T, class Ser, class KeyFn>
class kafka_sink final : public sink_link<T> {
public:
  kafka_sink(instance_info info, std::shared_ptr<kafka_connector> connector, kafka_properties properties,
             std::string topic, Ser serialize, KeyFn key_fn)
    : sink_link<T>(std::move(info)), connector_(std::move(connector)), properties_(std::move(properties)),
      topic_(std::move(topic)), serialize_(std::move(serialize)), key_fn_(std::move(key_fn)) {
  }

  /// Records acknowledged so far.
  std::uint64_t delivered() const {
    return writer_ ? writer_->delivered() : 0;
  }

protected:
  void on_open() override {
    try {
      writer_ = connector_->open_writer(properties_, topic_);
    } catch (const std::exception& e) {
      throw operator_error(this->info_, "cannot write Kafka topic '" + topic_ + "': " + e.what());
    }
  }
  void consume(const T& rec) override {
    if (auto e = writer_->error(); !e.empty())
      throw operator_error(this->info_, "writing Kafka topic '" + topic_ + "': " + e);
    writer_->send(std::optional<std::string>(key_fn_(rec)), serialize_(rec), -1);
  }
  void on_finish() override {
    if (auto e = writer_->flush(); !e.empty())
      throw operator_error(this->info_, "writing Kafka topic '" + topic_ + "': " + e);
  }

private:
  std::shared_ptr<kafka_connector> connector_;
  kafka_properties properties_;
  std::string topic_;
  Ser serialize_;
  KeyFn key_fn_;
  std::unique_ptr<kafka_writer> writer_;
};

} // namespace rivulet
