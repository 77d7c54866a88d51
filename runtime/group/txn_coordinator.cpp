#include "runtime/group/txn_coordinator.hpp"

#include <limits>
#include <tuple>

#include "runtime/group/byte_codec.hpp"

namespace rivulet::group {

namespace {

// Key: u8 type, i16 key version, str16 transactional id.
// Value: i16 value version, i64 producer id, i16 epoch, i32 timeout ms,
// i8 status, i64 started ms, i32 count + (str16 topic, i32 partition)*,
// i32 count + str16 group*. See docs/formats/coordinator-records.md.
constexpr std::uint8_t txn_state_type = 2;
constexpr std::int16_t key_version = 0;
constexpr std::int16_t value_version = 0;

bool prepared(txn_status s) {
  return s == txn_status::prepare_commit || s == txn_status::prepare_abort;
}

} // namespace

const char* to_string(txn_status s) noexcept {
  switch (s) {
    case txn_status::empty: return "Empty";
    case txn_status::ongoing: return "Ongoing";
    case txn_status::prepare_commit: return "PrepareCommit";
    case txn_status::prepare_abort: return "PrepareAbort";
    case txn_status::complete_commit: return "CompleteCommit";
    case txn_status::complete_abort: return "CompleteAbort";
  }
  return "Unknown";
}

bool operator==(const txn_metadata& a, const txn_metadata& b) {
  return std::tie(a.transactional_id, a.producer_id, a.epoch, a.timeout_ms, a.status, a.partitions, a.groups,
                  a.started_ms)
         == std::tie(b.transactional_id, b.producer_id, b.epoch, b.timeout_ms, b.status, b.partitions, b.groups,
                     b.started_ms);
}

coordinator_record encode_txn_record(const txn_metadata& m) {
  coordinator_record r;
  detail::byte_writer k(r.key);
  k.u8(txn_state_type);
  k.i16(key_version);
  k.str16(m.transactional_id);
  r.value.emplace();
  detail::byte_writer v(*r.value);
  v.i16(value_version);
  v.i64(m.producer_id);
  v.i16(m.epoch);
  v.i32(m.timeout_ms);
  v.u8(static_cast<std::uint8_t>(m.status));
  v.i64(m.started_ms);
  v.i32(static_cast<std::int32_t>(m.partitions.size()));
  for (const auto& tp : m.partitions) {
    v.str16(tp.topic);
    v.i32(tp.partition);
  }
  v.i32(static_cast<std::int32_t>(m.groups.size()));
  for (const auto& g : m.groups)
    v.str16(g);
  return r;
}

decode_result<txn_metadata> decode_txn_record(const coordinator_record& r) {
  using result = decode_result<txn_metadata>;
  detail::byte_reader k(r.key);
  auto type = k.u8("record type");
  if (!k.failed() && type != txn_state_type)
    return result::failure("record type " + std::to_string(type) + " is not a transaction state");
  auto kv = k.i16("key version");
  if (!k.failed() && kv != key_version)
    return result::failure("unsupported transaction key version " + std::to_string(kv));
  txn_metadata m;
  m.transactional_id = k.str16("transactional id");
  if (!k.failed() && !k.at_end())
    k.fail("key", "trailing bytes");
  if (k.failed())
    return result::failure("transaction key: " + k.error());
  if (!r.value)
    return result::failure("transaction record of '" + m.transactional_id + "' has no value");
  detail::byte_reader v(*r.value);
  auto vv = v.i16("value version");
  if (!v.failed() && vv != value_version)
    return result::failure("unsupported transaction value version " + std::to_string(vv));
  m.producer_id = v.i64("producer id");
  m.epoch = v.i16("epoch");
  m.timeout_ms = v.i32("timeout");
  auto status = v.u8("status");
  if (!v.failed() && status > static_cast<std::uint8_t>(txn_status::complete_abort))
    v.fail("status", "unknown transaction status");
  m.status = static_cast<txn_status>(status);
  m.started_ms = v.i64("started");
  auto partitions = v.count("partitions", 6);
  for (std::int32_t i = 0; i < partitions && !v.failed(); ++i) {
    topic_partition tp;
    tp.topic = v.str16("topic");
    tp.partition = v.i32("partition");
    m.partitions.insert(std::move(tp));
  }
  auto groups = v.count("groups", 2);
  for (std::int32_t i = 0; i < groups && !v.failed(); ++i)
    m.groups.insert(v.str16("group"));
  if (!v.failed() && !v.at_end())
    v.fail("value", "trailing bytes");
  if (v.failed())
    return result::failure("transaction value of '" + m.transactional_id + "': " + v.error());
  return {std::move(m), {}};
}

namespace {

constexpr std::uint8_t txn_offset_type = 3;
constexpr std::uint8_t txn_offsets_end_type = 4;

// Reads the common key prefix (type, version 0, group, producer id) of
// record types 3 and 4; an empty string on success, else why not.
std::string read_group_key(detail::byte_reader& k, std::uint8_t expected, std::string& group,
                           std::int64_t& producer_id) {
  auto type = k.u8("record type");
  if (!k.failed() && type != expected)
    return "record type " + std::to_string(type) + " is not " + std::to_string(expected);
  auto kv = k.i16("key version");
  if (!k.failed() && kv != key_version)
    return "unsupported key version " + std::to_string(kv);
  group = k.str16("group id");
  producer_id = k.i64("producer id");
  return {};
}

} // namespace

coordinator_record encode_txn_offset_record(const txn_offset_record& r) {
  coordinator_record out;
  detail::byte_writer k(out.key);
  k.u8(txn_offset_type);
  k.i16(key_version);
  k.str16(r.group_id);
  k.i64(r.producer_id);
  k.str16(r.tp.topic);
  k.i32(r.tp.partition);
  out.value.emplace();
  detail::byte_writer v(*out.value);
  v.i16(value_version);
  v.i64(r.value.offset);
  v.nullable_str32(r.value.metadata);
  v.i64(r.value.commit_time_ms);
  v.i16(r.producer_epoch);
  return out;
}

decode_result<txn_offset_record> decode_txn_offset_record(const coordinator_record& r) {
  using result = decode_result<txn_offset_record>;
  detail::byte_reader k(r.key);
  txn_offset_record out;
  if (auto why = read_group_key(k, txn_offset_type, out.group_id, out.producer_id); !why.empty())
    return result::failure(why);
  out.tp.topic = k.str16("topic");
  out.tp.partition = k.i32("partition");
  if (!k.failed() && !k.at_end())
    k.fail("key", "trailing bytes");
  if (k.failed() || !r.value)
    return result::failure("transactional offset key: " + (k.failed() ? k.error() : std::string("no value")));
  detail::byte_reader v(*r.value);
  auto vv = v.i16("value version");
  if (!v.failed() && vv != value_version)
    return result::failure("unsupported transactional offset value version " + std::to_string(vv));
  out.value.offset = v.i64("offset");
  out.value.metadata = v.nullable_str32("metadata");
  out.value.commit_time_ms = v.i64("commit time");
  out.producer_epoch = v.i16("producer epoch");
  if (!v.failed() && !v.at_end())
    v.fail("value", "trailing bytes");
  if (v.failed())
    return result::failure("transactional offset value: " + v.error());
  return {std::move(out), {}};
}

coordinator_record encode_txn_offsets_end_record(const txn_offsets_end_record& r) {
  coordinator_record out;
  detail::byte_writer k(out.key);
  k.u8(txn_offsets_end_type);
  k.i16(key_version);
  k.str16(r.group_id);
  k.i64(r.producer_id);
  out.value.emplace();
  detail::byte_writer v(*out.value);
  v.i16(value_version);
  v.u8(r.commit ? 1 : 0);
  v.i16(r.producer_epoch);
  return out;
}

decode_result<txn_offsets_end_record> decode_txn_offsets_end_record(const coordinator_record& r) {
  using result = decode_result<txn_offsets_end_record>;
  detail::byte_reader k(r.key);
  txn_offsets_end_record out;
  if (auto why = read_group_key(k, txn_offsets_end_type, out.group_id, out.producer_id); !why.empty())
    return result::failure(why);
  if (!k.failed() && !k.at_end())
    k.fail("key", "trailing bytes");
  if (k.failed() || !r.value)
    return result::failure("transaction end key: " + (k.failed() ? k.error() : std::string("no value")));
  detail::byte_reader v(*r.value);
  auto vv = v.i16("value version");
  if (!v.failed() && vv != value_version)
    return result::failure("unsupported transaction end value version " + std::to_string(vv));
  out.commit = v.u8("commit") != 0;
  out.producer_epoch = v.i16("producer epoch");
  if (!v.failed() && !v.at_end())
    v.fail("value", "trailing bytes");
  if (v.failed())
    return result::failure("transaction end value: " + v.error());
  return {std::move(out), {}};
}

txn_coordinator::txn_coordinator(std::string transactional_id, txn_coordinator_config cfg)
  : id_(std::move(transactional_id)), cfg_(cfg) {}

void txn_coordinator::persisted(const txn_metadata& m) {
  durable_ = m;
  busy_ = false;
}

txn_step txn_coordinator::begin(txn_metadata next) {
  busy_ = true;
  return txn_step{error_code::none, std::move(next)};
}

error_code txn_coordinator::check_producer(std::int64_t producer_id, std::int16_t epoch) const {
  if (!durable_ || durable_->producer_id != producer_id)
    return error_code::invalid_producer_id_mapping;
  if (durable_->epoch != epoch)
    return error_code::invalid_producer_epoch;
  return error_code::none;
}

txn_step txn_coordinator::init_producer(std::int32_t timeout_ms, std::int64_t now_ms,
                                        std::int64_t fresh_producer_id) {
  if (timeout_ms <= 0 || timeout_ms > cfg_.max_timeout_ms)
    return {error_code::invalid_transaction_timeout, {}};
  if (busy_)
    return {error_code::concurrent_transactions, {}};
  txn_metadata next;
  if (!durable_) {
    next.transactional_id = id_;
    next.producer_id = fresh_producer_id;
    next.epoch = 0;
    next.timeout_ms = timeout_ms;
    return begin(std::move(next));
  }
  next = *durable_;
  if (prepared(next.status))
    return {error_code::concurrent_transactions, {}};
  if (next.status == txn_status::ongoing) {
    // Fence the running instance: abort its transaction under a new epoch.
    auto abort = next;
    abort.status = txn_status::prepare_abort;
    abort.epoch = static_cast<std::int16_t>(next.epoch + 1);
    auto step = begin(std::move(abort));
    step.error = error_code::concurrent_transactions;
    return step;
  }
  // An exhausted epoch starts a new producer id (epochs are int16; Kafka
  // keeps the last value for its own fencing).
  if (next.epoch >= std::numeric_limits<std::int16_t>::max() - 1) {
    next.producer_id = fresh_producer_id;
    next.epoch = 0;
  } else {
    next.epoch = static_cast<std::int16_t>(next.epoch + 1);
  }
  next.timeout_ms = timeout_ms;
  next.status = txn_status::empty;
  next.partitions.clear();
  next.groups.clear();
  next.started_ms = now_ms;
  return begin(std::move(next));
}

txn_step txn_coordinator::add(std::int64_t producer_id, std::int16_t epoch,
                              const std::vector<topic_partition>& partitions,
                              const std::optional<std::string>& group, std::int64_t now_ms) {
  if (auto e = check_producer(producer_id, epoch); e != error_code::none)
    return {e, {}};
  if (busy_ || prepared(durable_->status))
    return {error_code::concurrent_transactions, {}};
  auto next = *durable_;
  bool changed = next.status != txn_status::ongoing;
  if (changed) {
    next.status = txn_status::ongoing;
    next.partitions.clear();
    next.groups.clear();
    next.started_ms = now_ms;
  }
  for (const auto& tp : partitions)
    changed = next.partitions.insert(tp).second || changed;
  if (group)
    changed = next.groups.insert(*group).second || changed;
  if (!changed)
    return {};
  return begin(std::move(next));
}

txn_step txn_coordinator::end(std::int64_t producer_id, std::int16_t epoch, bool commit) {
  if (auto e = check_producer(producer_id, epoch); e != error_code::none)
    return {e, {}};
  if (busy_)
    return {error_code::concurrent_transactions, {}};
  switch (durable_->status) {
    case txn_status::ongoing: {
      auto next = *durable_;
      next.status = commit ? txn_status::prepare_commit : txn_status::prepare_abort;
      return begin(std::move(next));
    }
    case txn_status::prepare_commit:
    case txn_status::prepare_abort:
      if ((durable_->status == txn_status::prepare_commit) == commit)
        return {error_code::concurrent_transactions, {}};
      return {error_code::invalid_txn_state, {}};
    case txn_status::complete_commit:
      return {commit ? error_code::none : error_code::invalid_txn_state, {}};
    case txn_status::complete_abort:
      return {commit ? error_code::invalid_txn_state : error_code::none, {}};
    case txn_status::empty:
      break;
  }
  return {error_code::invalid_txn_state, {}};
}

std::optional<txn_metadata> txn_coordinator::expire(std::int64_t now_ms) {
  if (busy_ || !durable_ || durable_->status != txn_status::ongoing
      || now_ms - durable_->started_ms <= durable_->timeout_ms)
    return std::nullopt;
  auto next = *durable_;
  next.status = txn_status::prepare_abort;
  next.epoch = static_cast<std::int16_t>(next.epoch + 1);
  busy_ = true;
  return next;
}

txn_metadata txn_coordinator::complete() {
  auto next = *durable_;
  next.status = durable_->status == txn_status::prepare_commit ? txn_status::complete_commit
                                                                : txn_status::complete_abort;
  busy_ = true;
  next.partitions.clear();
  next.groups.clear();
  return next;
}

} // namespace rivulet::group
