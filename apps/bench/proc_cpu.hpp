#pragma once

// CPU seconds used so far by processes and threads, read from /proc (Linux):
// how the benches tell what the server side of a run cost.

#include <dirent.h>
#include <sys/types.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace rivulet::bench {

/// CPU seconds (user + system) a process or thread used so far, from a
/// /proc/.../stat file; 0 when it cannot be read.
inline double cpu_seconds_of(const std::string& stat_path) {
  std::ifstream in(stat_path);
  std::string line;
  if (!std::getline(in, line))
    return 0;
  auto close = line.rfind(')');  // the name field may hold spaces
  if (close == std::string::npos)
    return 0;
  std::istringstream fields(line.substr(close + 2));
  std::string f;
  double ticks = 0;
  for (int i = 0; i < 13 && fields >> f; ++i)
    if (i == 11 || i == 12)  // utime, stime (fields 14 and 15)
      ticks += std::stod(f);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

/// CPU seconds of this process's threads named `name` (their comm).
inline double cpu_seconds_of_threads(const std::string& name) {
  double total = 0;
  DIR* dir = ::opendir("/proc/self/task");
  if (!dir)
    return 0;
  while (auto* e = ::readdir(dir)) {
    if (e->d_name[0] == '.')
      continue;
    auto base = std::string("/proc/self/task/") + e->d_name;
    std::ifstream comm(base + "/comm");
    std::string c;
    if (std::getline(comm, c) && c == name)
      total += cpu_seconds_of(base + "/stat");
  }
  ::closedir(dir);
  return total;
}

/// CPU seconds of the processes `pids` (threads included).
inline double cpu_seconds_of_processes(const std::vector<pid_t>& pids) {
  double total = 0;
  for (auto pid : pids)
    total += cpu_seconds_of("/proc/" + std::to_string(pid) + "/stat");
  return total;
}

} // namespace rivulet::bench
