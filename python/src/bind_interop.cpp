// Bindings of the interop ops.
#include "common.h"

namespace ember_py {

void bind_interop(py::module_& m) {}

}  // namespace ember_py
