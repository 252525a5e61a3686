// What this build of ember is: version, backends, the CPU kernels' instruction set.
#include "common.h"

namespace ember_py {

void bind_config(py::module_& m) {
  m.def("build_info", [] {
    py::dict info;
    info["version"] = EMBER_VERSION_STRING;
    info["cuda_built"] = ember::cuda::is_built();
    info["cuda_available"] = ember::cuda::is_available();
    info["cpu_capability"] = std::string(ember::cpu_capability());
    info["num_threads"] = ember::get_num_threads();
    info["compiler"] = std::string(__VERSION__);
    return info;
  });
  m.def("empty_cpu_cache", &ember::empty_cpu_cache, "free the big CPU buffers kept for reuse");
}

}  // namespace ember_py
