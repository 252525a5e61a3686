// Bindings of the reduce ops.
#include "common.h"

namespace ember_py {

void bind_reduce(py::module_& m) {}

}  // namespace ember_py
