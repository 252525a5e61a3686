#include "ember/device.h"

#include <atomic>

#include "ember/cuda.h"
#include "ember/error.h"

namespace ember {

Device::Device(const std::string& spec) {
  std::string kind = spec, index;
  if (auto colon = spec.find(':'); colon != std::string::npos) {
    kind = spec.substr(0, colon);
    index = spec.substr(colon + 1);
  }
  if (kind == "cpu") type = DeviceType::CPU;
  else if (kind == "cuda") type = DeviceType::CUDA;
  else EMBER_FAIL(ErrorKind::Value, "Expected a device of type 'cpu' or 'cuda', got '", spec, "'");
  if (!index.empty()) {
    bool digits = index.find_first_not_of("0123456789") == std::string::npos && index.size() < 6;
    EMBER_CHECK_VALUE(digits, "Invalid device index in '", spec, "'");
    this->index = std::stoi(index);
  }
}

std::string Device::str() const {
  if (type == DeviceType::CPU) return "cpu";
  return "cuda:" + std::to_string(index);
}

namespace cuda {
namespace {
std::atomic<bool> g_allow_tf32{false};
}
void set_allow_tf32(bool allow) { g_allow_tf32.store(allow, std::memory_order_relaxed); }
bool allow_tf32() { return g_allow_tf32.load(std::memory_order_relaxed); }
}  // namespace cuda

}  // namespace ember
