#pragma once

#include <stdlib.h> // mkdtemp (POSIX)

#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace rivulet::testing {

/// A fresh, empty directory under the system temp dir, removed with all
/// its contents by the destructor. Test code only: construction throws
/// when the directory cannot be made.
class temp_dir {
public:
  explicit temp_dir(const std::string& prefix = "rivulet-test")
    : temp_dir(prefix, std::filesystem::temp_directory_path()) {
  }

  /// The same under `base` (e.g. a tmpfs, where fsync costs nothing).
  temp_dir(const std::string& prefix, const std::filesystem::path& base) {
    std::string tmpl = (base / (prefix + "-XXXXXX")).string();
    if (mkdtemp(tmpl.data()) == nullptr)
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
    path_ = tmpl;
  }

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  ~temp_dir() {
    std::error_code ec; // best effort; a destructor must not throw
    std::filesystem::remove_all(path_, ec);
  }

  const std::filesystem::path& path() const noexcept { return path_; }

  /// `path() / name`, for files and subdirectories inside.
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
  std::filesystem::path path_;
};

} // namespace rivulet::testing
