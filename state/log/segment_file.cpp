#include "state/log/segment_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace rivulet::state {

namespace {

status os_error(const std::string& op, const std::filesystem::path& path, int err) {
  return status{errc::io_error, op + " '" + path.string() + "': " + std::strerror(err)};
}

} // namespace

segment_file::segment_file(int fd, std::filesystem::path path) noexcept
  : fd_(fd), path_(std::move(path)) {
}

segment_file::segment_file(segment_file&& other) noexcept
  : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {
}

segment_file& segment_file::operator=(segment_file&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

segment_file::~segment_file() {
  if (fd_ >= 0)
    ::close(fd_);
}

result<segment_file> segment_file::open(const std::filesystem::path& path, bool create) {
  int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0)
    return os_error("open", path, errno);
  return segment_file{fd, path};
}

status segment_file::read_at(std::uint64_t pos, char* out, std::size_t n) const {
  while (n > 0) {
    auto got = ::pread(fd_, out, n, static_cast<off_t>(pos));
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return os_error("read", path_, errno);
    if (got == 0)
      return status{errc::io_error, "read '" + path_.string() + "': file ends at position "
                                      + std::to_string(pos)};
    out += got;
    pos += static_cast<std::uint64_t>(got);
    n -= static_cast<std::size_t>(got);
  }
  return {};
}

status segment_file::write_at(std::uint64_t pos, std::string_view a, std::string_view b) {
  iovec iov[2] = {{const_cast<char*>(a.data()), a.size()},
                  {const_cast<char*>(b.data()), b.size()}};
  int first = 0;
  while (first < 2) {
    if (iov[first].iov_len == 0) {
      ++first;
      continue;
    }
    auto n = ::pwritev(fd_, iov + first, 2 - first, static_cast<off_t>(pos));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return os_error("write", path_, errno);
    pos += static_cast<std::uint64_t>(n);
    // Skip what was written; a partial write may end inside either piece.
    auto left = static_cast<std::size_t>(n);
    while (first < 2 && left >= iov[first].iov_len) {
      left -= iov[first].iov_len;
      ++first;
    }
    if (first < 2) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return {};
}

status segment_file::truncate(std::uint64_t size) {
  while (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
    if (errno != EINTR)
      return os_error("truncate", path_, errno);
  }
  return {};
}

status segment_file::sync() {
  if (::fdatasync(fd_) != 0)
    return os_error("fdatasync", path_, errno);
  return {};
}

result<std::uint64_t> segment_file::size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0)
    return os_error("stat", path_, errno);
  return static_cast<std::uint64_t>(st.st_size);
}

status sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return os_error("open directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0)
    return os_error("fsync directory", dir, err);
  return {};
}

status remove_file(const std::filesystem::path& path) {
  if (::unlink(path.c_str()) != 0)
    return os_error("unlink", path, errno);
  return {};
}

} // namespace rivulet::state
