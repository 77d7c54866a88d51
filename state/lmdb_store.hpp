#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "state/result.hpp"

// From <lmdb.h>, which only lmdb_store.cpp includes.
struct MDB_env;

namespace rivulet::state {

/// How lmdb_store::open sets up the environment.
struct open_options {
  /// Upper bound on the data file size; writes beyond it fail with errc::full.
  std::size_t map_size_bytes = std::size_t{64} << 20;
  /// How many named dbs the environment may hold.
  unsigned max_dbs = 16;
  /// When false, commits skip fsync: a process crash loses nothing, an OS
  /// crash may undo the last commits (integrity is kept). See sync().
  bool sync = true;
};

/// Key/value store over one LMDB environment (a directory), split into
/// named dbs that are created on their first write. Keys and values are
/// arbitrary bytes; keys are 1 to 511 bytes.
///
/// Move-only; the destructor closes the environment. Not thread-safe: one
/// owner (e.g. one actor) calls it at a time, from any thread. At most one
/// lmdb_store per directory per process. No call throws or prints; errors
/// name the directory, db and key and carry LMDB's own text.
class lmdb_store {
public:
  /// Opens the environment in `dir`, creating the directory and the data
  /// files when missing.
  static result<lmdb_store> open(const std::filesystem::path& dir,
                                 open_options opts = {});

  lmdb_store(lmdb_store&& other) noexcept;
  lmdb_store& operator=(lmdb_store&& other) noexcept;
  lmdb_store(const lmdb_store&) = delete;
  lmdb_store& operator=(const lmdb_store&) = delete;
  ~lmdb_store();

  /// Stores `value` under `key` in `db`, replacing any previous value.
  status put(std::string_view db, std::string_view key, std::string_view value);

  /// The value under `key` in `db`; empty when the key or the db is absent.
  result<std::optional<std::string>> get(std::string_view db, std::string_view key);

  /// Removes `key` from `db`; ok also when it was absent.
  status erase(std::string_view db, std::string_view key);

  /// Stores all `kvs` in `db` in one transaction: after a crash or an error
  /// either all of them are visible or none. Later pairs win on equal keys.
  status write_batch(std::string_view db,
                     const std::vector<std::pair<std::string, std::string>>& kvs);

  /// Flushes commits to disk; needed for durability only when opened with
  /// `sync = false`.
  status sync();

  const std::filesystem::path& dir() const noexcept { return dir_; }

private:
  lmdb_store(MDB_env* env, std::filesystem::path dir) noexcept;

  MDB_env* env_ = nullptr;
  std::filesystem::path dir_;
  /// Handles of named dbs opened so far (LMDB's MDB_dbi is unsigned int).
  std::map<std::string, unsigned, std::less<>> dbis_;
};

} // namespace rivulet::state
