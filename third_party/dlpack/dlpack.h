/*
 * The DLPack ABI: the C structs through which array libraries hand each other tensors without
 * a copy. Written for ember from the public DLPack specification, version 1.0 (the struct
 * layouts, enum values and capsule protocol documented at dmlc.github.io/dlpack); only the
 * parts of the ABI, no behaviour. A consumer of a capsule named "dltensor" (DLManagedTensor) or
 * "dltensor_versioned" (DLManagedTensorVersioned) renames it "used_dltensor" /
 * "used_dltensor_versioned" and calls the deleter when it no longer needs the memory.
 */
#ifndef EMBER_THIRD_PARTY_DLPACK_H_
#define EMBER_THIRD_PARTY_DLPACK_H_

#include <stddef.h>
#include <stdint.h>

/* The ABI version these structs follow. */
#define DLPACK_MAJOR_VERSION 1
#define DLPACK_MINOR_VERSION 0

#ifdef __cplusplus
extern "C" {
#endif

/* A version of the ABI: a major change breaks it, a minor one only adds to it. */
typedef struct {
  uint32_t major;
  uint32_t minor;
} DLPackVersion;

/* Where the memory lives. */
typedef enum {
  kDLCPU = 1,
  kDLCUDA = 2,
  kDLCUDAHost = 3,     /* pinned host memory from cudaMallocHost */
  kDLOpenCL = 4,
  kDLVulkan = 7,
  kDLMetal = 8,
  kDLVPI = 9,
  kDLROCM = 10,
  kDLROCMHost = 11,
  kDLExtDev = 12,
  kDLCUDAManaged = 13, /* cudaMallocManaged */
  kDLOneAPI = 14,
  kDLWebGPU = 15,
  kDLHexagon = 16,
  kDLMAIA = 17,
} DLDeviceType;

typedef struct {
  DLDeviceType device_type;
  int32_t device_id; /* the device's ordinal; 0 for the CPU */
} DLDevice;

/* The kind of the element type. */
typedef enum {
  kDLInt = 0U,
  kDLUInt = 1U,
  kDLFloat = 2U,
  kDLOpaqueHandle = 3U,
  kDLBfloat = 4U,
  kDLComplex = 5U,
  kDLBool = 6U,
} DLDataTypeCode;

/* An element type: code (a DLDataTypeCode), bits per lane, lanes (1 for scalars). */
typedef struct {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
} DLDataType;

/* A strided view of memory; it owns nothing. */
typedef struct {
  /* The start of the allocation on `device` (not dereferenceable for device memory); the
   * first element is at data + byte_offset. */
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;   /* ndim sizes */
  int64_t* strides; /* ndim strides in elements, or NULL for a compact row-major layout */
  uint64_t byte_offset;
} DLTensor;

/* The unversioned managed tensor, exchanged in a "dltensor" capsule. */
typedef struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx; /* the producer's context, for its deleter */
  /* Releases the tensor; the consumer calls it once it is done (it may be NULL). */
  void (*deleter)(struct DLManagedTensor* self);
} DLManagedTensor;

/* Flags of a versioned managed tensor. */
#define DLPACK_FLAG_BITMASK_READ_ONLY (1UL << 0UL) /* the consumer must not write */
#define DLPACK_FLAG_BITMASK_IS_COPIED (1UL << 1UL) /* the producer made a copy for this export */

/* The versioned managed tensor (DLPack >= 1.0), exchanged in a "dltensor_versioned" capsule.
 * `version` comes first so that a consumer can check it before reading anything else. */
typedef struct DLManagedTensorVersioned {
  DLPackVersion version;
  void* manager_ctx;
  void (*deleter)(struct DLManagedTensorVersioned* self);
  uint64_t flags; /* DLPACK_FLAG_BITMASK_* */
  DLTensor dl_tensor;
} DLManagedTensorVersioned;

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* EMBER_THIRD_PARTY_DLPACK_H_ */
