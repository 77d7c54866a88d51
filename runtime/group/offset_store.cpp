#include "runtime/group/offset_store.hpp"

#include "runtime/group/byte_codec.hpp"

namespace rivulet::group {

namespace {

// Key: u8 type, i16 key version, str16 group, str16 topic, i32 partition.
// Value: i16 value version, i64 offset, nullable str32 metadata, i64 commit time.
// See runtime/group/README.md.
constexpr std::uint8_t offset_commit_type = 1;
constexpr std::int16_t key_version = 0;
constexpr std::int16_t value_version = 0;

} // namespace

coordinator_record encode_offset_record(const std::string& group_id, const topic_partition& tp,
                                        const std::optional<committed_offset>& value) {
  coordinator_record r;
  detail::byte_writer k(r.key);
  k.u8(offset_commit_type);
  k.i16(key_version);
  k.str16(group_id);
  k.str16(tp.topic);
  k.i32(tp.partition);
  if (value) {
    r.value.emplace();
    detail::byte_writer v(*r.value);
    v.i16(value_version);
    v.i64(value->offset);
    v.nullable_str32(value->metadata);
    v.i64(value->commit_time_ms);
  }
  return r;
}

decode_result<offset_record> decode_offset_record(const coordinator_record& r) {
  using result = decode_result<offset_record>;
  detail::byte_reader k(r.key);
  std::uint8_t type = k.u8("record type");
  if (!k.failed() && type != offset_commit_type)
    return result::failure("record type " + std::to_string(type) + " is not an offset commit");
  std::int16_t kv = k.i16("key version");
  if (!k.failed() && kv != key_version)
    return result::failure("unsupported offset key version " + std::to_string(kv));
  offset_record out;
  out.group_id = k.str16("group id");
  out.tp.topic = k.str16("topic");
  out.tp.partition = k.i32("partition");
  if (!k.failed() && !k.at_end())
    k.fail("key", "trailing bytes");
  if (k.failed())
    return result::failure("offset key: " + k.error());
  if (!r.value)
    return {std::move(out), {}};

  detail::byte_reader v(*r.value);
  std::int16_t vv = v.i16("value version");
  if (!v.failed() && vv != value_version)
    return result::failure("unsupported offset value version " + std::to_string(vv));
  committed_offset c;
  c.offset = v.i64("offset");
  c.metadata = v.nullable_str32("metadata");
  c.commit_time_ms = v.i64("commit time");
  if (!v.failed() && !v.at_end())
    v.fail("value", "trailing bytes");
  if (v.failed())
    return result::failure("offset value: " + v.error());
  out.value = std::move(c);
  return {std::move(out), {}};
}

coordinator_record offset_store::commit(const topic_partition& tp, committed_offset value) {
  auto rec = encode_offset_record(group_id_, tp, value);
  offsets_[tp] = std::move(value);
  return rec;
}

std::optional<coordinator_record> offset_store::remove(const topic_partition& tp) {
  if (offsets_.erase(tp) == 0)
    return std::nullopt;
  return encode_offset_record(group_id_, tp, std::nullopt);
}

decode_result<offset_record> offset_store::replay(const coordinator_record& r) {
  auto d = decode_offset_record(r);
  if (!d.ok())
    return d;
  if (d.value->group_id != group_id_)
    return decode_result<offset_record>::failure("record of group '" + d.value->group_id
                                                 + "' replayed into group '" + group_id_ + "'");
  if (d.value->value)
    offsets_[d.value->tp] = *d.value->value;
  else
    offsets_.erase(d.value->tp);
  return d;
}

std::optional<committed_offset> offset_store::get(const topic_partition& tp) const {
  auto i = offsets_.find(tp);
  if (i == offsets_.end())
    return std::nullopt;
  return i->second;
}

} // namespace rivulet::group
