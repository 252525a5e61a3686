#include "ember/error.h"

namespace ember::detail {
void throw_error(ErrorKind kind, const std::string& msg) { throw Error(kind, msg); }
}  // namespace ember::detail
