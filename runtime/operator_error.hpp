#pragma once

#include <stdexcept>
#include <string>

namespace rivulet {

/// Which operator instance a chain link belongs to.
struct instance_info {
  std::string name;
  int instance = 0;
  int parallelism = 1;
};

/// An exception thrown out of a user function, tagged with the operator
/// instance that ran it. Caught by the task's actor and reported to the job
/// supervisor; never crosses an actor handler.
class operator_error : public std::runtime_error {
public:
  operator_error(const instance_info& who, const std::string& what)
    : std::runtime_error("operator '" + who.name + "' instance "
                         + std::to_string(who.instance + 1) + "/"
                         + std::to_string(who.parallelism) + " failed: " + what),
      operator_name(who.name),
      instance(who.instance),
      cause(what) {
  }

  std::string operator_name;
  int instance;
  std::string cause;
};

/// Runs `fn`, turning any exception into an operator_error naming `who`.
/// An operator_error from a link further down the chain passes unchanged.
template <class F>
decltype(auto) guarded(const instance_info& who, F&& fn) {
  try {
    return fn();
  } catch (const operator_error&) {
    throw;
  } catch (const std::exception& e) {
    throw operator_error(who, e.what());
  } catch (...) {
    throw operator_error(who, "unknown exception");
  }
}

} // namespace rivulet
