// The native producer's transactions: the client side of Kafka's
// transaction protocol (InitProducerId with a transactional id,
// AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn) over the
// actor messages of actors/group_messages.hpp. Design:
// docs/design/0002-transactions.md. These calls block the calling thread
// (never an actor's) for at most their timeout.

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include <caf/all.hpp>

#include "actors/producer.hpp"
#include "actors/producer_shared.hpp"
#include "actors/type_ids.hpp"
#include "runtime/group/group_types.hpp"
#include "runtime/log.hpp"

namespace rivulet::actors {

namespace detail {

struct txn_state {
  /// send() may be called from several threads: it guards the fields below
  /// (the first send of a topic in a transaction holds it while it
  /// registers the topic).
  std::mutex mutex;
  caf::actor coordinator;
  bool open = false;
  /// Topics whose partitions are registered with the open transaction.
  std::set<std::string> topics;
  /// The coordinator knows the open transaction (a topic or a group was
  /// added); a transaction that added nothing ends without a request.
  bool registered = false;
  /// Deliveries of the open transaction that failed.
  std::atomic<int> failures{0};
};

producer::callback count_failures(const std::shared_ptr<txn_state>& txn, report_to report) {
  return [txn, report = std::move(report)](const delivery& d) {
    if (!d.ok())
      ++txn->failures;
    report(d);
  };
}

} // namespace detail

namespace {

using clock_type = std::chrono::steady_clock;
using group::error_code;

bool retriable(std::int16_t code) {
  auto e = static_cast<error_code>(code);
  return e == error_code::coordinator_load_in_progress || e == error_code::coordinator_not_available
         || e == error_code::not_coordinator || e == error_code::concurrent_transactions
         || e == error_code::request_timed_out;
}

bool needs_new_coordinator(std::int16_t code) {
  auto e = static_cast<error_code>(code);
  return e == error_code::not_coordinator || e == error_code::coordinator_not_available;
}

std::string describe(std::int16_t code) {
  return std::string(group::to_string(static_cast<error_code>(code))) + " (" + std::to_string(code) + ")";
}

/// One request from a scoped actor; nullopt on a timeout or error.
template <class Reply, class Message>
std::optional<Reply> ask(caf::actor_system& sys, const caf::actor& to, const Message& msg,
                         std::chrono::milliseconds timeout) {
  if (!to)
    return std::nullopt;
  caf::scoped_actor self{sys};
  std::optional<Reply> out;
  self->request(to, timeout, msg).receive([&](Reply& r) { out = std::move(r); }, [](caf::error&) {});
  return out;
}

} // namespace

/// Finds the coordinator through the bootstrap nodes; null when none answers.
static caf::actor find_txn_coordinator(caf::actor_system& sys, const producer_config& cfg, std::string& error) {
  for (const auto& node : cfg.bootstrap) {
    auto r = ask<find_coordinator_reply>(sys, node, find_coordinator_request{cfg.transactional_id, 0, true},
                                         cfg.request_timeout);
    if (r && r->ok && r->coordinator)
      return r->coordinator;
    error = r ? r->error : "no answer";
  }
  return {};
}

void producer::init_transactions() {
  if (cfg_.acks != -1)
    throw std::invalid_argument("rivulet: transactional_id '" + cfg_.transactional_id + "' needs acks = -1");
  txn_ = std::make_shared<detail::txn_state>();
  auto deadline = clock_type::now() + cfg_.request_timeout * 6;
  std::string why = "no coordinator found";
  while (clock_type::now() < deadline) {
    if (!txn_->coordinator)
      txn_->coordinator = find_txn_coordinator(*sys_, cfg_, why);
    if (txn_->coordinator) {
      init_producer_id_request req{cfg_.transactional_id, static_cast<std::int32_t>(cfg_.transaction_timeout.count())};
      auto r = ask<init_producer_id_reply>(*sys_, txn_->coordinator, req, cfg_.request_timeout);
      if (r && r->error_code == 0) {
        producer_id_ = r->producer_id;
        epoch_ = r->epoch;
        RIVULET_LOG(log_level::info, "producer", "transactional id '" << cfg_.transactional_id << "': producer id "
                                                                      << producer_id_ << " epoch " << epoch_);
        return;
      }
      if (r && !retriable(r->error_code))
        throw std::runtime_error("rivulet: transactional id '" + cfg_.transactional_id
                                 + "': InitProducerId failed: " + describe(r->error_code));
      why = r ? describe(r->error_code) : "no answer from the coordinator";
      if (!r || needs_new_coordinator(r->error_code))
        txn_->coordinator = nullptr;
    }
    std::this_thread::sleep_for(cfg_.retry_backoff); // retry back-off
  }
  throw std::runtime_error("rivulet: transactional id '" + cfg_.transactional_id + "': cannot initialize: " + why);
}

/// Sends `msg` to the coordinator until it answers NONE, a non-retriable
/// error, or the deadline passes; "" or why not.
template <class Message>
static std::string ask_coordinator(caf::actor_system& sys, const producer_config& cfg, caf::actor& coordinator,
                                   const Message& msg, std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  std::string why = "no answer";
  while (clock_type::now() < deadline) {
    if (!coordinator)
      coordinator = find_txn_coordinator(sys, cfg, why);
    if (coordinator) {
      auto r = ask<txn_reply>(sys, coordinator, msg, cfg.request_timeout);
      if (r && r->error_code == 0)
        return "";
      if (r && !retriable(r->error_code))
        return describe(r->error_code);
      why = r ? describe(r->error_code) : "no answer from the coordinator";
      if (!r || needs_new_coordinator(r->error_code))
        coordinator = nullptr;
    }
    std::this_thread::sleep_for(cfg.retry_backoff); // retry back-off
  }
  return why;
}

void producer::begin_transaction() {
  if (!txn_)
    throw std::logic_error("rivulet: begin_transaction() needs producer_config::transactional_id");
  std::lock_guard<std::mutex> guard{txn_->mutex};
  if (txn_->open)
    throw std::logic_error("rivulet: transactional id '" + cfg_.transactional_id + "': a transaction is open");
  txn_->open = true;
  txn_->registered = false;
  txn_->topics.clear();
  txn_->failures = 0;
}

std::string producer::register_topic(const std::string& topic) {
  std::lock_guard<std::mutex> guard{txn_->mutex};
  if (!txn_->open)
    return "transactional id '" + cfg_.transactional_id + "': send() outside a transaction";
  if (txn_->topics.count(topic))
    return "";
  // Every partition of the topic joins the transaction at once (one round
  // trip per topic and transaction; markers go to partitions not written).
  std::optional<metadata_reply> md;
  for (const auto& node : cfg_.bootstrap)
    if ((md = ask<metadata_reply>(*sys_, node, metadata_request{{topic}}, cfg_.request_timeout)))
      break;
  if (!md || md->topics.empty() || !md->topics[0].error.empty() || md->topics[0].partitions.empty())
    return "topic '" + topic + "': no metadata"
           + (md && !md->topics.empty() ? ": " + md->topics[0].error : std::string());
  add_to_txn_request add;
  add.transactional_id = cfg_.transactional_id;
  add.producer_id = producer_id_;
  add.epoch = epoch_;
  for (const auto& p : md->topics[0].partitions) {
    add.topics.push_back(topic);
    add.partitions.push_back(p.partition);
  }
  auto why = ask_coordinator(*sys_, cfg_, txn_->coordinator, add, cfg_.request_timeout * 3);
  if (!why.empty())
    return "transactional id '" + cfg_.transactional_id + "': cannot add topic '" + topic + "': " + why;
  txn_->topics.insert(topic);
  txn_->registered = true;
  return "";
}

std::string producer::end_transaction(bool commit, std::chrono::milliseconds timeout) {
  const char* what = commit ? "commit" : "abort";
  if (!txn_ || !txn_->open)
    return std::string("no open transaction to ") + what;
  if (!flush(timeout))
    return std::string("records still unacknowledged at the ") + what + " timeout";
  if (commit && txn_->failures > 0)
    return std::to_string(txn_->failures.load()) + " records of the transaction failed; abort it";
  std::lock_guard<std::mutex> guard{txn_->mutex};
  txn_->open = false;
  if (!txn_->registered)
    return ""; // the coordinator never heard of this transaction
  end_txn_request end{cfg_.transactional_id, producer_id_, epoch_, commit};
  auto why = ask_coordinator(*sys_, cfg_, txn_->coordinator, end, timeout);
  if (why.empty())
    return "";
  return "transactional id '" + cfg_.transactional_id + "': " + what + " failed: " + why;
}

std::string producer::commit_transaction(std::chrono::milliseconds timeout) {
  return end_transaction(true, timeout);
}

std::string producer::abort_transaction(std::chrono::milliseconds timeout) {
  return end_transaction(false, timeout);
}

std::string producer::send_offsets_to_transaction(const std::string& group_id,
                                                  const std::vector<transaction_offset>& offsets,
                                                  std::chrono::milliseconds timeout) {
  if (!txn_)
    return "no open transaction";
  std::lock_guard<std::mutex> guard{txn_->mutex};
  if (!txn_->open)
    return "no open transaction";
  add_to_txn_request add;
  add.transactional_id = cfg_.transactional_id;
  add.producer_id = producer_id_;
  add.epoch = epoch_;
  add.group = group_id;
  if (auto why = ask_coordinator(*sys_, cfg_, txn_->coordinator, add, timeout); !why.empty())
    return "cannot add group '" + group_id + "' to the transaction: " + why;
  txn_->registered = true;
  offset_commit_request oc;
  oc.group_id = group_id;
  oc.producer_id = producer_id_;
  oc.producer_epoch = epoch_;
  for (const auto& o : offsets)
    oc.offsets.push_back({o.topic, o.partition, o.offset, false, {}});
  auto deadline = clock_type::now() + timeout;
  std::string why = "no group coordinator";
  while (clock_type::now() < deadline) {
    for (const auto& node : cfg_.bootstrap) {
      auto found = ask<find_coordinator_reply>(*sys_, node, find_coordinator_request{group_id, 0, false},
                                               cfg_.request_timeout);
      if (!found || !found->ok || !found->coordinator)
        continue;
      auto r = ask<offset_commit_reply>(*sys_, found->coordinator, oc, cfg_.request_timeout);
      if (!r)
        continue;
      bool all_ok = true;
      for (const auto& p : r->partitions)
        if (p.error_code != 0) {
          all_ok = false;
          why = describe(p.error_code);
        }
      if (all_ok)
        return "";
      break;
    }
    std::this_thread::sleep_for(cfg_.retry_backoff); // retry back-off
  }
  return "TxnOffsetCommit to group '" + group_id + "' failed: " + why;
}

} // namespace rivulet::actors
