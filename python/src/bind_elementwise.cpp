// Bindings of the elementwise ops.
#include "common.h"

namespace ember_py {

void bind_elementwise(py::module_& m) {}

}  // namespace ember_py
