// Bindings of the random ops.
#include "common.h"

namespace ember_py {

void bind_random(py::module_& m) {}

}  // namespace ember_py
