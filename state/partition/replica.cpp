#include "state/partition/replica.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "runtime/record_batch_layout.hpp"
#include "state/log/batch_header.hpp"
#include "state/partition/log_scan.hpp"

namespace rivulet::state {

namespace {

constexpr std::string_view meta_db = "replica";
// Hard state value: version byte 1, then big-endian u64 term, i64 vote
// (0 = none, node 0 being reserved), u64 commit. 25 bytes.
constexpr char hard_state_version = 1;
constexpr std::size_t hard_state_size = 25;

std::string hard_state_key(raft::group_id group) {
  return "raft/" + std::to_string(group.value);
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::uint64_t get_u64(std::string_view in, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i)
    v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

std::string encode(const raft::hard_state& hs) {
  std::string out(1, hard_state_version);
  put_u64(out, hs.term.value);
  put_u64(out, static_cast<std::uint64_t>(hs.voted_for ? hs.voted_for->value : 0));
  put_u64(out, hs.commit.value);
  return out;
}

result<raft::hard_state> decode(std::string_view in, const std::string& where) {
  if (in.size() != hard_state_size || in[0] != hard_state_version)
    return status{errc::corrupted, where + ": raft hard state has " + std::to_string(in.size())
                                     + " bytes or an unknown version"};
  raft::hard_state hs;
  hs.term = raft::term_id{get_u64(in, 1)};
  auto vote = static_cast<std::int64_t>(get_u64(in, 9));
  if (vote != 0)
    hs.voted_for = raft::node_id{vote};
  hs.commit = raft::log_index{get_u64(in, 17)};
  return hs;
}

} // namespace

result<partition_replica> partition_replica::open(const std::filesystem::path& dir,
                                                  replica_config config) {
  auto storage = raft_segment_storage::open(dir / "log", config.log);
  if (!storage)
    return storage.error();
  // Commits skip fsync: persist() syncs explicitly when term or vote
  // change, the part raft needs on disk before it answers; the commit index
  // may trail after a machine crash (open() clamps it, the leader resends).
  open_options meta_options;
  meta_options.sync = false;
  auto meta = lmdb_store::open(dir / "meta", meta_options);
  if (!meta)
    return meta.error();
  auto key = hard_state_key(config.group);
  auto stored = meta->get(meta_db, key);
  if (!stored)
    return stored.error();
  raft::hard_state hs;
  if (*stored) {
    auto decoded = decode(**stored, (dir / "meta").string() + " key " + key);
    if (!decoded)
      return decoded.error();
    hs = *decoded;
  }
  // The log is flushed before the hard state is written, so the commit index
  // normally lies inside it; clamp anyway so a log shortened by recovery never
  // makes the node claim entries it does not hold.
  hs.commit = std::min(hs.commit, storage->last_index());
  // One read of the log rebuilds both tables: producers from every stored
  // entry, transactions from the committed ones (the node starts with them
  // applied).
  producer_state producers;
  txn_state txns;
  auto scanned = scan_stored_batches(
    *storage, storage->last_index(),
    [&](const batch_header& h, std::string_view batch, raft::log_index at, const raft_batch_position& where) {
      if (where.kind != raft::entry_kind::normal)
        return;
      producers.apply_batch(h, batch, at, where.term, where.base_offset, where.last_offset);
      if (at <= hs.commit)
        txns.apply(h, batch, where.base_offset, where.last_offset);
    });
  if (!scanned.ok())
    return scanned;
  auto owned = std::make_unique<raft_segment_storage>(std::move(storage).value());
  return partition_replica{std::move(config), std::move(owned), std::move(meta).value(), hs,
                           std::move(producers), std::move(txns)};
}

partition_replica::partition_replica(replica_config config,
                                     std::unique_ptr<raft_segment_storage> storage,
                                     lmdb_store meta, raft::hard_state state,
                                     producer_state producers, txn_state txns)
  : config_(std::move(config)), storage_(std::move(storage)), meta_(std::move(meta)),
    persisted_(state), producers_(std::move(producers)), txns_(std::move(txns)), producers_index_(storage_->last_index()),
    producers_term_(*storage_->term_at(producers_index_)) {
  raft::raft_config rc;
  rc.id = config_.id;
  rc.voters = config_.voters;
  rc.election_ticks = config_.election_ticks;
  rc.heartbeat_ticks = config_.heartbeat_ticks;
  rc.seed = config_.seed;
  // apply() reads only batch headers and transaction markers (a few dozen
  // bytes) from committed entries; the batches themselves are in the log.
  rc.committed_payload_bytes = 256;
  // Everything up to the persisted commit was applied before: the log is the
  // state machine, so nothing is replayed.
  node_ = std::make_unique<raft::raft_node>(rc, *storage_, state, state.commit);
}

partition_replica::partition_replica(partition_replica&&) noexcept = default;
partition_replica& partition_replica::operator=(partition_replica&&) noexcept = default;
partition_replica::~partition_replica() = default;

void partition_replica::tick() {
  if (!stopped())
    node_->tick();
}

void partition_replica::step(const raft::message& m) {
  if (!stopped())
    node_->step(m);
}

replica_result<produce_outcome> partition_replica::produce(std::string batch_bytes, bool marker) {
  if (stopped())
    return basic_status<replica_errc>{replica_errc::stopped, health_.to_string()};
  if (!node_->leader() || *node_->leader() != config_.id) {
    auto l = node_->leader();
    return basic_status<replica_errc>{
      replica_errc::not_leader,
      "node " + std::to_string(config_.id.value) + " does not lead group "
        + std::to_string(config_.group.value) + "; leader: "
        + (l ? "node " + std::to_string(l->value) : std::string("unknown"))};
  }
  // A bad payload would make the storage fail and stop the replica, so
  // client bytes are checked here, before they reach raft.
  if (batch_bytes.size() > config_.log.max_batch_bytes)
    return basic_status<replica_errc>{replica_errc::invalid_batch,
                                      "batch of " + std::to_string(batch_bytes.size())
                                        + " bytes exceeds max_batch_bytes"};
  auto h = validate_batch(batch_bytes, offset_rule::dense);
  if (!h)
    return basic_status<replica_errc>{replica_errc::invalid_batch, h.error().message()};
  bool control = (h->attributes & batch_format::attr::control) != 0;
  if (control && !marker)
    return basic_status<replica_errc>{replica_errc::invalid_batch,
                                      "producers may not write control batches"};
  auto pb = producer_batch::of(*h);
  if (marker) {
    if (!control || !decode_marker(*h, batch_bytes))
      return basic_status<replica_errc>{replica_errc::invalid_batch,
                                        "a transaction marker must be a control batch of a producer "
                                        "with one commit or abort record"};
    if (auto st = sync_producers(); !st.ok()) {
      health_ = st;
      return basic_status<replica_errc>{replica_errc::stopped, health_.to_string()};
    }
    if (auto* known = producers_.find(pb.producer_id); known && pb.epoch < known->epoch)
      return basic_status<replica_errc>{replica_errc::invalid_producer_epoch,
                                        "marker of producer " + std::to_string(pb.producer_id) + " epoch "
                                          + std::to_string(pb.epoch) + " is fenced: the log holds epoch "
                                          + std::to_string(known->epoch)};
  } else if ((h->attributes & batch_format::attr::transactional) != 0 && !pb.idempotent()) {
    return basic_status<replica_errc>{replica_errc::invalid_batch,
                                      "a transactional batch needs a producer id"};
  } else if (pb.idempotent()) {
    auto checked = check_producer(pb);
    if (!checked)
      return checked.error();
    if (*checked)
      return **checked; // a duplicate: nothing to propose
  }
  auto r = node_->propose(std::move(batch_bytes));
  switch (r.status) {
    case raft::propose_status::accepted: {
      produce_outcome out{r.index, node_->term()};
      if (pb.idempotent()) {
        // check_producer made the table cover the whole log, so this entry
        // is the next one. Recorded now: a retry may come before it is stored.
        if (r.index != producers_index_.next())
          std::abort();
        if (marker)
          producers_.apply_marker(pb.producer_id, pb.epoch);
        else
          producers_.apply(pb, out.index, out.term);
        producers_index_ = out.index;
        producers_term_ = out.term;
      }
      return out;
    }
    case raft::propose_status::transfer_in_progress:
      return basic_status<replica_errc>{replica_errc::transfer_in_progress,
                                        "leadership transfer in progress"};
    case raft::propose_status::not_leader:
      break;
  }
  return basic_status<replica_errc>{
    replica_errc::not_leader,
    "not the leader; leader: "
      + (r.leader ? "node " + std::to_string(r.leader->value) : std::string("unknown"))};
}

status partition_replica::persist(const raft::ready& rd) {
  if (rd.truncate_from || !rd.entries.empty()) {
    raft::persist_entries(*storage_, rd);
    if (!storage_->last_error().ok())
      return storage_->last_error();
    // fsync policy never: durability comes from replication and the page
    // cache (docs/operations.md); every_batch synced inside append().
    if (config_.log.fsync == fsync_policy::interval)
      if (auto st = storage_->flush(); !st.ok())
        return st;
    if (auto st = update_producers(rd); !st.ok())
      return st;
  }
  if (rd.state && *rd.state != persisted_) {
    if (auto st = meta_.put(meta_db, hard_state_key(config_.group), encode(*rd.state));
        !st.ok())
      return st;
    // A vote or a term must survive a machine crash before raft acts on it
    // (else a node could vote twice in a term); they change only at
    // elections, so this sync is rare.
    if (rd.state->term != persisted_.term || rd.state->voted_for != persisted_.voted_for)
      if (auto st = meta_.sync(); !st.ok())
        return st;
    persisted_ = *rd.state;
  }
  return storage_->last_error();
}

void partition_replica::apply(const std::vector<raft::log_entry>& entries) {
  for (const auto& e : entries) {
    if (e.kind != raft::entry_kind::normal)
      continue;
    auto pos = storage_->position(e.index);
    // Committed entries were persisted in this or an earlier bundle.
    if (!pos)
      std::abort();
    committed_.push_back(committed{e.index, e.term, pos->base_offset, pos->last_offset});
    if (e.payload.size() >= batch_format::layout::header_size)
      txns_.apply(decode_batch_header(e.payload.data()), e.payload, pos->base_offset, pos->last_offset);
  }
}

std::vector<raft::message> partition_replica::pump() {
  std::vector<raft::message> out;
  // Each bundle either adds state or is empty; the bound only guards against
  // a node bug turning this into an endless loop.
  for (int i = 0; i < 1000 && !stopped() && node_->has_ready(); ++i) {
    auto rd = node_->take_ready();
    if (auto st = persist(rd); !st.ok()) {
      health_ = std::move(st); // no advance, no send: the replica must reopen
      return out;
    }
    for (auto& m : rd.messages)
      out.push_back(std::move(m));
    apply(rd.committed_entries);
    node_->advance(rd);
  }
  return out;
}

std::vector<committed> partition_replica::take_committed() {
  return std::exchange(committed_, {});
}

std::int64_t partition_replica::high_watermark() const {
  return storage_->high_watermark_offset(node_->applied_index()).value_or(0);
}

std::int64_t partition_replica::log_end_offset() const {
  return storage_->log().end_offset();
}

std::int64_t partition_replica::log_start_offset() const {
  return storage_->log().log_start_offset();
}

namespace {

// Kafka's zig-zag varlong at `pos`; nullopt past the end or over 10 bytes.
std::optional<std::int64_t> read_varlong(std::string_view in, std::size_t& pos) {
  std::uint64_t raw = 0;
  for (int shift = 0; shift <= 63; shift += 7) {
    if (pos >= in.size())
      return std::nullopt;
    auto byte = static_cast<std::uint8_t>(in[pos++]);
    raw |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0)
      return static_cast<std::int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
  }
  return std::nullopt;
}

std::int64_t read_i64(std::string_view in, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i)
    v = (v << 8) | static_cast<std::uint8_t>(in[at + i]);
  return static_cast<std::int64_t>(v);
}

// The first record of `batch` (uncompressed, header `h`) with a timestamp
// >= ts: (offset, timestamp); nullopt if the records do not parse.
std::optional<std::pair<std::int64_t, std::int64_t>> first_record_at_or_after(const batch_header& h,
                                                                             std::string_view batch,
                                                                             std::int64_t ts) {
  auto base_ts = read_i64(batch, batch_format::layout::base_timestamp);
  std::size_t pos = batch_format::layout::records;
  for (std::int32_t i = 0; i < h.records_count; ++i) {
    auto len = read_varlong(batch, pos);
    if (!len || *len < 1)
      return std::nullopt;
    auto end = pos + static_cast<std::size_t>(*len);
    ++pos; // attributes
    auto ts_delta = read_varlong(batch, pos);
    auto offset_delta = read_varlong(batch, pos);
    if (!ts_delta || !offset_delta || end > batch.size())
      return std::nullopt;
    if (base_ts + *ts_delta >= ts)
      return std::make_pair(h.base_offset + *offset_delta, base_ts + *ts_delta);
    pos = end;
  }
  return std::nullopt;
}

} // namespace

replica_result<std::optional<std::pair<std::int64_t, std::int64_t>>>
partition_replica::offset_for_timestamp(std::int64_t timestamp_ms) const {
  using answer = std::optional<std::pair<std::int64_t, std::int64_t>>;
  if (stopped())
    return basic_status<replica_errc>{replica_errc::stopped, health_.to_string()};
  auto hw = high_watermark();
  auto start = storage_->log().offset_for_timestamp(timestamp_ms);
  if (!start || *start >= hw)
    return answer{};
  // The time index finds the first batch whose maximum qualifies; a control
  // batch (raft no-op, marker) or a batch whose maximum came from a record
  // before an older one may need the scan to go on.
  for (std::int64_t at = *start; at < hw;) {
    auto r = storage_->log().read(at, std::size_t{1} << 20, hw);
    if (!r)
      return basic_status<replica_errc>{replica_errc::storage_error, r.error().to_string()};
    if (r->bytes.empty())
      break;
    std::string_view bytes = r->bytes;
    for (std::size_t pos = 0; pos + batch_format::layout::header_size <= bytes.size();) {
      auto h = decode_batch_header(bytes.data() + pos);
      auto batch = bytes.substr(pos, std::min<std::size_t>(h.size(), bytes.size() - pos));
      pos += h.size();
      if ((h.attributes & batch_format::attr::control) != 0 || h.max_timestamp < timestamp_ms)
        continue;
      if ((h.attributes & batch_format::attr::compression_mask) != 0)
        return answer{std::make_pair(h.base_offset, h.max_timestamp)};
      if (auto found = first_record_at_or_after(h, batch, timestamp_ms))
        return answer{found};
    }
    if (r->next_offset <= at)
      break;
    at = r->next_offset;
  }
  return answer{};
}

std::int64_t partition_replica::last_stable_offset() const {
  return txns_.last_stable_offset(high_watermark());
}

replica_result<std::string> partition_replica::fetch(std::int64_t from_offset, std::size_t max_bytes,
                                                     bool read_committed) const {
  if (stopped())
    return basic_status<replica_errc>{replica_errc::stopped, health_.to_string()};
  if (from_offset < log_start_offset())
    return basic_status<replica_errc>{
      replica_errc::offset_out_of_range,
      "offset out of range: " + std::to_string(from_offset) + " is below the log start "
        + std::to_string(log_start_offset())};
  auto hw = read_committed ? last_stable_offset() : high_watermark();
  if (from_offset >= hw)
    return std::string{};
  auto r = storage_->log().read(from_offset, max_bytes, hw);
  if (!r)
    return basic_status<replica_errc>{replica_errc::storage_error, r.error().to_string()};
  return std::move(r->bytes);
}

bool partition_replica::transfer_leadership(raft::node_id to) {
  if (stopped())
    return false;
  return node_->transfer_leadership(to);
}

bool partition_replica::is_leader() const {
  return node_->role() == raft::raft_role::leader;
}

std::optional<raft::node_id> partition_replica::leader() const {
  return node_->leader();
}

raft::term_id partition_replica::term() const {
  return node_->term();
}

} // namespace rivulet::state
