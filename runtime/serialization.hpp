#pragma once

// The one declaration a user record type needs to cross a process boundary
// or land in a state snapshot: a Boost.Serialization `serialize()` member or
// free function. Within one process records are never serialized; these
// helpers are what remote exchanges and snapshots call.
//
//   struct click {
//     std::string user; std::int64_t ts;
//     template <class Archive> void serialize(Archive& ar, unsigned) { ar & user & ts; }
//   };

#include <sstream>
#include <string>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>

namespace rivulet {

/// Encodes `value` in Boost's portable-enough binary archive (same build,
/// same architecture: the cluster's nodes run one rivulet build).
template <class T>
std::string encode_record(const T& value) {
  std::ostringstream os;
  {
    boost::archive::binary_oarchive ar(os, boost::archive::no_header);
    ar << value;
  }
  return os.str();
}

/// Decodes what encode_record produced. Throws boost::archive::archive_exception
/// on malformed input; callers at a boundary catch it and report the peer.
template <class T>
T decode_record(const std::string& bytes) {
  std::istringstream is(bytes);
  boost::archive::binary_iarchive ar(is, boost::archive::no_header);
  T value;
  ar >> value;
  return value;
}

} // namespace rivulet
