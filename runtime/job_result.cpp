#include "runtime/job_result.hpp"

#include <iomanip>
#include <sstream>

namespace rivulet {

std::string job_result::summary() const {
  std::ostringstream os;
  auto ms = std::chrono::duration<double, std::milli>(elapsed).count();
  os << "job '" << job_name << "' " << (ok() ? "succeeded" : "FAILED") << " in " << std::fixed
     << std::setprecision(1) << ms << " ms (" << attempts << " attempt" << (attempts == 1 ? "" : "s")
     << ")\n";
  if (!ok())
    os << "  error: " << error << '\n';
  os << "  " << std::left << std::setw(28) << "operator" << std::right << std::setw(6) << "par"
     << std::setw(14) << "records in" << std::setw(14) << "records out" << std::setw(10) << "late" << '\n';
  for (auto& op : operators)
    os << "  " << std::left << std::setw(28) << op.name << std::right << std::setw(6) << op.parallelism
       << std::setw(14) << op.records_in << std::setw(14) << op.records_out << std::setw(10)
       << op.records_dropped << '\n';
  return os.str();
}

} // namespace rivulet
