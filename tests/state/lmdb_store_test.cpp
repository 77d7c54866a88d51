#include "state/lmdb_store.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/temp_dir.hpp"

using namespace rivulet::state;
using rivulet::testing::temp_dir;
using std::string_literals::operator""s;

namespace {

// Checks compare to_string() with "ok" so that a failure shows the error text.
lmdb_store open_ok(const std::filesystem::path& dir, open_options opts = {}) {
  auto r = lmdb_store::open(dir, opts);
  INFO(r.error().to_string());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::optional<std::string> get_ok(lmdb_store& store, std::string_view db,
                                  std::string_view key) {
  auto r = store.get(db, key);
  INFO(r.error().to_string());
  REQUIRE(r.ok());
  return *r;
}

using kvs = std::vector<std::pair<std::string, std::string>>;

} // namespace

TEST_CASE("a value put into a db reads back unchanged", "[state]") {
  temp_dir tmp;
  auto store = open_ok(tmp.path());
  CHECK(store.put("meta", "term", "7").to_string() == "ok");
  CHECK(get_ok(store, "meta", "term") == "7");
  CHECK(store.put("meta", "term", "8").to_string() == "ok");
  CHECK(get_ok(store, "meta", "term") == "8");
  // Keys and values are bytes, NULs included.
  auto key = "k\0ey"s, value = "v\0\xff"s;
  CHECK(store.put("meta", key, value).to_string() == "ok");
  CHECK(get_ok(store, "meta", key) == value);
  CHECK(get_ok(store, "meta", "k") == std::nullopt);
}

TEST_CASE("a missing key or an unknown db reads as an empty optional", "[state]") {
  temp_dir tmp;
  auto store = open_ok(tmp.path());
  CHECK(get_ok(store, "never-written", "k") == std::nullopt);
  CHECK(store.put("db", "a", "1").to_string() == "ok");
  CHECK(get_ok(store, "db", "b") == std::nullopt);
}

TEST_CASE("the same key in two dbs holds two values", "[state]") {
  temp_dir tmp;
  auto store = open_ok(tmp.path());
  CHECK(store.put("one", "k", "1").to_string() == "ok");
  CHECK(store.put("two", "k", "2").to_string() == "ok");
  CHECK(get_ok(store, "one", "k") == "1");
  CHECK(get_ok(store, "two", "k") == "2");
}

TEST_CASE("an erased key reads as missing and erasing it again is ok", "[state]") {
  temp_dir tmp;
  auto store = open_ok(tmp.path());
  CHECK(store.put("db", "k", "v").to_string() == "ok");
  CHECK(store.erase("db", "k").to_string() == "ok");
  CHECK(get_ok(store, "db", "k") == std::nullopt);
  CHECK(store.erase("db", "k").to_string() == "ok");
  CHECK(store.erase("no-such-db", "k").to_string() == "ok");
}

TEST_CASE("a write batch is visible in full after the store is reopened", "[state]") {
  temp_dir tmp;
  kvs batch;
  for (int i = 0; i < 100; ++i)
    batch.emplace_back("key-" + std::to_string(i), "value-" + std::to_string(i));
  {
    auto store = open_ok(tmp.path());
    CHECK(store.write_batch("snapshots", batch).to_string() == "ok");
  }
  auto store = open_ok(tmp.path());
  for (const auto& [key, value] : batch)
    CHECK(get_ok(store, "snapshots", key) == value);
}

TEST_CASE("a write batch with one bad key leaves none of its pairs behind", "[state]") {
  temp_dir tmp;
  {
    auto store = open_ok(tmp.path());
    CHECK(store.put("db", "a", "old").to_string() == "ok");
    // LMDB rejects empty keys, so the third put fails after two succeeded.
    auto st = store.write_batch("db", kvs{{"a", "new"}, {"b", "2"}, {"", "3"}});
    CHECK(st.code() == errc::invalid_argument);
    CHECK_THAT(st.message(), Catch::Contains("db 'db'") && Catch::Contains("key ''"));
    CHECK(get_ok(store, "db", "a") == "old");
    CHECK(get_ok(store, "db", "b") == std::nullopt);
  }
  auto store = open_ok(tmp.path());
  CHECK(get_ok(store, "db", "a") == "old");
  CHECK(get_ok(store, "db", "b") == std::nullopt);
}

TEST_CASE("opening a path that is a regular file gives an error naming the path", "[state]") {
  temp_dir tmp;
  auto file = tmp / "not-a-dir";
  std::ofstream{file} << "x";
  auto r = lmdb_store::open(file);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == errc::io_error);
  CHECK_THAT(r.error().message(), Catch::Contains(file.string()));
}

TEST_CASE("a write beyond the map size fails as full and keeps earlier data", "[state]") {
  temp_dir tmp;
  open_options opts;
  opts.map_size_bytes = 256 * 1024;
  auto store = open_ok(tmp.path(), opts);
  CHECK(store.put("db", "small", "kept").to_string() == "ok");
  auto st = store.put("db", "big", std::string(1024 * 1024, 'x'));
  CHECK(st.code() == errc::full);
  CHECK_THAT(st.message(), Catch::Contains("key 'big'") && Catch::Contains("MDB_MAP_FULL"));
  CHECK(get_ok(store, "db", "small") == "kept");
  CHECK(get_ok(store, "db", "big") == std::nullopt);
}

TEST_CASE("creating more named dbs than max_dbs fails as full", "[state]") {
  temp_dir tmp;
  open_options opts;
  opts.max_dbs = 2;
  auto store = open_ok(tmp.path(), opts);
  CHECK(store.put("one", "k", "v").to_string() == "ok");
  CHECK(store.put("two", "k", "v").to_string() == "ok");
  auto st = store.put("three", "k", "v");
  CHECK(st.code() == errc::full);
  CHECK_THAT(st.message(), Catch::Contains("db 'three'"));
}

TEST_CASE("with sync off, synced writes survive a reopen", "[state]") {
  temp_dir tmp;
  open_options opts;
  opts.sync = false;
  {
    auto store = open_ok(tmp.path(), opts);
    CHECK(store.put("db", "k", "v").to_string() == "ok");
    CHECK(store.sync().to_string() == "ok");
  }
  auto store = open_ok(tmp.path(), opts);
  CHECK(get_ok(store, "db", "k") == "v");
}

TEST_CASE("a moved-to store keeps working and the moved-from one reports errors", "[state]") {
  temp_dir tmp;
  auto from = open_ok(tmp.path());
  CHECK(from.put("db", "k", "v").to_string() == "ok");
  lmdb_store to = std::move(from);
  CHECK(get_ok(to, "db", "k") == "v");
  CHECK(to.dir() == tmp.path());
  CHECK(from.put("db", "k", "w").code() == errc::invalid_argument);
  CHECK(from.get("db", "k").error().code() == errc::invalid_argument);
}

TEST_CASE("an empty db name is rejected as an invalid argument", "[state]") {
  temp_dir tmp;
  auto store = open_ok(tmp.path());
  CHECK(store.put("", "k", "v").code() == errc::invalid_argument);
  CHECK(store.get("", "k").error().code() == errc::invalid_argument);
}
