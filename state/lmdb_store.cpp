#include "state/lmdb_store.hpp"

#include <lmdb.h>

#include <system_error>
#include <type_traits>

namespace rivulet::state {

namespace fs = std::filesystem;

namespace {

static_assert(std::is_same_v<MDB_dbi, unsigned>,
              "lmdb_store.hpp caches MDB_dbi handles as unsigned");

using dbi_cache = std::map<std::string, unsigned, std::less<>>;

errc code_of(int rc) {
  switch (rc) {
    case MDB_MAP_FULL:
    case MDB_DBS_FULL:
    case MDB_READERS_FULL:
    case MDB_TXN_FULL:
    case MDB_MAP_RESIZED:
      return errc::full;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_VERSION_MISMATCH:
    case MDB_INVALID:
      return errc::corrupted;
    case MDB_BAD_VALSIZE:
    case MDB_INCOMPATIBLE:
    case EINVAL:
      return errc::invalid_argument;
    default:
      return rc > 0 ? errc::io_error : errc::internal;
  }
}

// Keys and db names are bytes; error text shows them escaped and capped.
std::string printable(std::string_view s) {
  constexpr std::size_t max_shown = 64;
  constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max_shown; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  if (s.size() > max_shown)
    out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

std::string context(const fs::path& dir, std::string_view op,
                    std::string_view db = {},
                    std::optional<std::string_view> key = std::nullopt) {
  std::string s = "lmdb ";
  s += op;
  s += " in '" + dir.string() + "'";
  if (!db.empty())
    s += " db '" + printable(db) + "'";
  if (key)
    s += " key '" + printable(*key) + "'";
  return s;
}

status lmdb_error(int rc, const std::string& where) {
  return status{code_of(rc), where + ": " + mdb_strerror(rc)};
}

MDB_val to_val(std::string_view s) {
  MDB_val v;
  v.mv_size = s.size();
  v.mv_data = const_cast<char*>(s.data()); // LMDB does not write through it
  return v;
}

// Aborts the transaction unless it was committed.
struct txn_guard {
  MDB_txn* ptr = nullptr;
  txn_guard() = default;
  txn_guard(const txn_guard&) = delete;
  txn_guard& operator=(const txn_guard&) = delete;
  ~txn_guard() {
    if (ptr)
      mdb_txn_abort(ptr);
  }
  int commit() {
    int rc = mdb_txn_commit(ptr); // frees the txn even when it fails
    ptr = nullptr;
    return rc;
  }
};

// Looks `db` up in the cache or opens it in `txn`. A handle opened here
// (`fresh`) only outlives `txn` once `txn` commits, so callers add it to
// the cache after the commit. Returns MDB_NOTFOUND for a missing db
// without MDB_CREATE.
int open_dbi(MDB_txn* txn, const dbi_cache& dbis, std::string_view db,
             unsigned flags, MDB_dbi& dbi, bool& fresh) {
  fresh = false;
  if (auto i = dbis.find(db); i != dbis.end()) {
    dbi = i->second;
    return 0;
  }
  int rc = mdb_dbi_open(txn, std::string(db).c_str(), flags, &dbi);
  fresh = rc == 0;
  return rc;
}

// Runs `body(txn, dbi)` in one write transaction on `db` and commits if it
// returns ok. Without MDB_CREATE in `flags` a missing db means there is
// nothing to change, which is ok.
template <class Body>
status write_txn(MDB_env* env, dbi_cache& dbis, const fs::path& dir,
                 std::string_view op, std::string_view db, unsigned flags,
                 Body&& body) {
  txn_guard txn;
  if (int rc = mdb_txn_begin(env, nullptr, 0, &txn.ptr))
    return lmdb_error(rc, context(dir, op, db));
  MDB_dbi dbi = 0;
  bool fresh = false;
  int rc = open_dbi(txn.ptr, dbis, db, flags, dbi, fresh);
  if (rc == MDB_NOTFOUND && !(flags & MDB_CREATE))
    return status{};
  if (rc)
    return lmdb_error(rc, context(dir, op, db));
  if (status st = body(txn.ptr, dbi); !st.ok())
    return st;
  if ((rc = txn.commit()))
    return lmdb_error(rc, context(dir, op, db));
  if (fresh)
    dbis.emplace(db, dbi);
  return status{};
}

status check_usable(MDB_env* env, const fs::path& dir, std::string_view op,
                    std::string_view db) {
  if (!env)
    return status{errc::invalid_argument, context(dir, op, db) + ": store was moved from"};
  if (db.empty() || db.find('\0') != std::string_view::npos)
    return status{errc::invalid_argument,
                  context(dir, op, db) + ": db name must be non-empty without NUL bytes"};
  return status{};
}

} // namespace

result<lmdb_store> lmdb_store::open(const fs::path& dir, open_options opts) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return status{errc::io_error, context(dir, "open") + ": " + ec.message()};
  MDB_env* env = nullptr;
  if (int rc = mdb_env_create(&env))
    return lmdb_error(rc, context(dir, "open"));
  lmdb_store store{env, dir}; // closes the env on every error path below
  if (int rc = mdb_env_set_mapsize(env, opts.map_size_bytes))
    return lmdb_error(rc, context(dir, "open (map size)"));
  if (int rc = mdb_env_set_maxdbs(env, opts.max_dbs))
    return lmdb_error(rc, context(dir, "open (max dbs)"));
  // MDB_NOTLS: read slots belong to transactions, not threads, because
  // the owning actor may run on a different worker thread on each call.
  unsigned flags = MDB_NOTLS | (opts.sync ? 0u : unsigned{MDB_NOSYNC});
  if (int rc = mdb_env_open(env, dir.c_str(), flags, 0644))
    return lmdb_error(rc, context(dir, "open"));
  return result<lmdb_store>{std::move(store)};
}

lmdb_store::lmdb_store(MDB_env* env, fs::path dir) noexcept
  : env_(env), dir_(std::move(dir)) {
}

lmdb_store::lmdb_store(lmdb_store&& other) noexcept
  : env_(std::exchange(other.env_, nullptr)),
    dir_(std::move(other.dir_)),
    dbis_(std::move(other.dbis_)) {
}

lmdb_store& lmdb_store::operator=(lmdb_store&& other) noexcept {
  if (this != &other) {
    if (env_)
      mdb_env_close(env_);
    env_ = std::exchange(other.env_, nullptr);
    dir_ = std::move(other.dir_);
    dbis_ = std::move(other.dbis_);
  }
  return *this;
}

lmdb_store::~lmdb_store() {
  if (env_)
    mdb_env_close(env_);
}

status lmdb_store::put(std::string_view db, std::string_view key,
                       std::string_view value) {
  if (status st = check_usable(env_, dir_, "put", db); !st.ok())
    return st;
  return write_txn(env_, dbis_, dir_, "put", db, MDB_CREATE,
                   [&](MDB_txn* txn, MDB_dbi dbi) {
                     MDB_val k = to_val(key), v = to_val(value);
                     if (int rc = mdb_put(txn, dbi, &k, &v, 0))
                       return lmdb_error(rc, context(dir_, "put", db, key));
                     return status{};
                   });
}

result<std::optional<std::string>> lmdb_store::get(std::string_view db,
                                                   std::string_view key) {
  if (status st = check_usable(env_, dir_, "get", db); !st.ok())
    return st;
  txn_guard txn;
  if (int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn.ptr))
    return lmdb_error(rc, context(dir_, "get", db, key));
  MDB_dbi dbi = 0;
  bool fresh = false;
  int rc = open_dbi(txn.ptr, dbis_, db, 0, dbi, fresh);
  if (rc == MDB_NOTFOUND)
    return std::optional<std::string>{};
  if (rc)
    return lmdb_error(rc, context(dir_, "get", db, key));
  MDB_val k = to_val(key), v;
  std::optional<std::string> out;
  rc = mdb_get(txn.ptr, dbi, &k, &v);
  if (rc == 0)
    out.emplace(static_cast<const char*>(v.mv_data), v.mv_size); // copy: v dies with txn
  else if (rc != MDB_NOTFOUND)
    return lmdb_error(rc, context(dir_, "get", db, key));
  if (fresh) {
    // Committing (not aborting) a read transaction keeps the new handle.
    if ((rc = txn.commit()))
      return lmdb_error(rc, context(dir_, "get", db, key));
    dbis_.emplace(db, dbi);
  }
  return out;
}

status lmdb_store::erase(std::string_view db, std::string_view key) {
  if (status st = check_usable(env_, dir_, "erase", db); !st.ok())
    return st;
  return write_txn(env_, dbis_, dir_, "erase", db, 0,
                   [&](MDB_txn* txn, MDB_dbi dbi) {
                     MDB_val k = to_val(key);
                     int rc = mdb_del(txn, dbi, &k, nullptr);
                     if (rc && rc != MDB_NOTFOUND)
                       return lmdb_error(rc, context(dir_, "erase", db, key));
                     return status{};
                   });
}

status lmdb_store::write_batch(
  std::string_view db, const std::vector<std::pair<std::string, std::string>>& kvs) {
  if (status st = check_usable(env_, dir_, "write_batch", db); !st.ok())
    return st;
  return write_txn(env_, dbis_, dir_, "write_batch", db, MDB_CREATE,
                   [&](MDB_txn* txn, MDB_dbi dbi) {
                     for (const auto& [key, value] : kvs) {
                       MDB_val k = to_val(key), v = to_val(value);
                       if (int rc = mdb_put(txn, dbi, &k, &v, 0))
                         return lmdb_error(rc, context(dir_, "write_batch", db, key));
                     }
                     return status{};
                   });
}

status lmdb_store::sync() {
  if (!env_)
    return status{errc::invalid_argument, context(dir_, "sync") + ": store was moved from"};
  if (int rc = mdb_env_sync(env_, 1))
    return lmdb_error(rc, context(dir_, "sync"));
  return status{};
}

} // namespace rivulet::state
