#pragma once
#include <cstdint>
#include <string>

#include "ember/api.h"

namespace ember {

enum class DeviceType : int8_t { CPU = 0, CUDA = 1 };
constexpr int kNumDeviceTypes = 2;

struct EMBER_API Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  Device() = default;
  Device(DeviceType t, int i = 0) : type(t), index(i) {}  // NOLINT: Device(kCPU) reads well
  // "cpu", "cuda", "cuda:1"; throws ValueError for anything else.
  explicit Device(const std::string& spec);
  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  std::string str() const;
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
};
constexpr DeviceType kCPU = DeviceType::CPU;
constexpr DeviceType kCUDA = DeviceType::CUDA;

namespace cuda {
EMBER_API bool is_built();       // compiled with the CUDA backend
EMBER_API bool is_available();   // built, and a device is present
EMBER_API int device_count();
}  // namespace cuda

}  // namespace ember
