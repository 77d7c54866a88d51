#pragma once

// A file descriptor with positioned reads and writes that report errors as
// status values naming the path. The one place in the log that calls POSIX.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "state/result.hpp"

namespace rivulet::state {

/// An open read-write file. Move-only; the destructor closes it (without
/// syncing). Not thread-safe for writes; concurrent reads are fine.
class segment_file {
public:
  /// Opens `path` read-write; creates it (empty) when `create` is set and it
  /// is missing.
  static result<segment_file> open(const std::filesystem::path& path, bool create);

  segment_file(segment_file&& other) noexcept;
  segment_file& operator=(segment_file&& other) noexcept;
  segment_file(const segment_file&) = delete;
  segment_file& operator=(const segment_file&) = delete;
  ~segment_file();

  /// Reads exactly `n` bytes at `pos` into `out`; io_error on failure or
  /// when the file ends first.
  status read_at(std::uint64_t pos, char* out, std::size_t n) const;
  /// Writes `a` then `b` at `pos`, retrying partial writes.
  status write_at(std::uint64_t pos, std::string_view a, std::string_view b);
  /// Sets the file size to `size`.
  status truncate(std::uint64_t size);
  /// fdatasync: file data (and the size) reach the device.
  status sync();
  /// Current size from fstat.
  result<std::uint64_t> size() const;

  const std::filesystem::path& path() const noexcept { return path_; }

private:
  segment_file(int fd, std::filesystem::path path) noexcept;

  int fd_ = -1;
  std::filesystem::path path_;
};

/// fsyncs the directory `dir` so that created, renamed and removed entries
/// in it are durable.
status sync_directory(const std::filesystem::path& dir);

/// Removes `path`; io_error naming it on failure.
status remove_file(const std::filesystem::path& path);

} // namespace rivulet::state
