#pragma once
// Per-device kernel tables (after ATen's DispatchStub). A front-end calls
//   binary_kernel(iter.device_type(), ...)  via  binary_kernel.get(device, "add")(iter, op);
// each kernel file fills its slot in a register function that ensure_kernels_registered()
// calls once. Registration is explicit because static initialisers in libraries get dropped.
#include "ember/device.h"
#include "ember/error.h"

namespace ember {

void ensure_kernels_registered();

template <typename Fn>
class KernelTable {
 public:
  void set(DeviceType d, Fn fn) { fns_[static_cast<int>(d)] = fn; }
  Fn get(Device device, const char* op) const {
    ensure_kernels_registered();
    Fn fn = fns_[static_cast<int>(device.type)];
    EMBER_CHECK(fn != nullptr, op, ": no kernel for device ", device.str());
    return fn;
  }
  bool has(DeviceType d) const {
    ensure_kernels_registered();
    return fns_[static_cast<int>(d)] != nullptr;
  }

 private:
  Fn fns_[kNumDeviceTypes] = {};
};

}  // namespace ember
