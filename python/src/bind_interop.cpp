// Zero-copy exchange with numpy (buffers) and with any DLPack producer or consumer (capsules).
// Memory that comes from Python is kept alive by a reference held in the Storage's deleter;
// memory that goes to Python is kept alive by an ember::Tensor handle held by the consumer.
#include <pybind11/numpy.h>

#include <string>
#include <utility>

#include "common.h"
#include "dlpack/dlpack.h"

namespace ember_py {

namespace {
using ember::DType;
using ember::Tensor;

// Storage deleters can run on any thread and at any time, including while Python shuts down,
// when taking the GIL would crash: then the reference is leaked, which is harmless at exit.
bool python_alive() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsInitialized() && !Py_IsFinalizing();
#else
  return Py_IsInitialized() && !_Py_IsFinalizing();
#endif
}

template <typename F>
void with_gil(F&& f) {
  if (!python_alive()) return;
  py::gil_scoped_acquire gil;
  f();
}

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")).cast<std::string>(); }

// ---- numpy -----------------------------------------------------------------------------------
constexpr const char* kNumpyTypes =
    "complex128, complex64, float64, float32, float16, int64, int32, int16, int8, uint8 and bool";

DType dtype_from_numpy(const py::dtype& dt) {
  const char kind = dt.kind();
  const auto size = dt.itemsize();
  if (kind == 'b' && size == 1) return ember::kBool;
  if (kind == 'u' && size == 1) return ember::kUInt8;
  if (kind == 'i') {
    switch (size) {
      case 1: return ember::kInt8;
      case 2: return ember::kInt16;
      case 4: return ember::kInt32;
      case 8: return ember::kInt64;
    }
  }
  if (kind == 'f') {
    switch (size) {
      case 2: return ember::kFloat16;
      case 4: return ember::kFloat32;
      case 8: return ember::kFloat64;
    }
  }
  if (kind == 'c' && size == 8) return ember::kComplex64;
  if (kind == 'c' && size == 16) return ember::kComplex128;
  throw py::type_error("from_numpy: can't convert a numpy array of dtype " + py::str(dt).cast<std::string>() +
                       "; the supported dtypes are " + kNumpyTypes);
}

py::dtype numpy_dtype(DType t) {
  switch (t) {
    case ember::kBool: return py::dtype::of<bool>();
    case ember::kUInt8: return py::dtype::of<uint8_t>();
    case ember::kInt8: return py::dtype::of<int8_t>();
    case ember::kInt16: return py::dtype::of<int16_t>();
    case ember::kInt32: return py::dtype::of<int32_t>();
    case ember::kInt64: return py::dtype::of<int64_t>();
    case ember::kFloat16: return py::dtype("float16");
    case ember::kFloat32: return py::dtype::of<float>();
    case ember::kFloat64: return py::dtype::of<double>();
    case ember::kComplex64: return py::dtype("complex64");
    case ember::kComplex128: return py::dtype("complex128");
    default:
      throw py::type_error(std::string("numpy(): numpy has no ") + ember::dtype_name(t) +
                           "; call .float() first");
  }
}

Tensor from_numpy(py::handle obj) {
  if (!py::isinstance<py::array>(obj))
    throw py::type_error("from_numpy: expected np.ndarray, got " + type_name(obj));
  auto arr = py::reinterpret_borrow<py::array>(obj);
  const DType dtype = dtype_from_numpy(arr.dtype());
  if (arr.dtype().byteorder() == '>')  // this build only runs on little-endian machines
    throw py::value_error("from_numpy: the array's byte order (big-endian) differs from the machine's; "
                          "convert it with array.astype(array.dtype.newbyteorder('='))");
  if (!(arr.flags() & py::detail::npy_api::NPY_ARRAY_ALIGNED_))
    throw py::value_error("from_numpy: the array's data is not aligned to its element size; "
                          "copy it first (np.ascontiguousarray or array.copy())");
  const auto itemsize = static_cast<int64_t>(arr.itemsize());
  ember::IntArray shape(arr.ndim()), strides(arr.ndim());
  bool empty = false;
  for (py::ssize_t d = 0; d < arr.ndim(); ++d) {
    shape[d] = arr.shape(d);
    empty |= shape[d] == 0;
    if (shape[d] == 1) {  // never stepped over: numpy allows any stride here
      strides[d] = 1;
      continue;
    }
    if (arr.strides(d) % itemsize != 0)
      throw py::value_error("from_numpy: stride " + std::to_string(arr.strides(d)) + " bytes of dim " +
                            std::to_string(d) + " is not a multiple of the element size (" +
                            std::to_string(itemsize) + " bytes); copy the array first");
    strides[d] = arr.strides(d) / itemsize;
  }
  if (empty) strides = ember::IntArray();  // any strides describe no element; use compact ones
  if (!arr.writeable()) {
    // Like PyTorch: share anyway, since ember has no read-only tensors, and say so once.
    if (PyErr_WarnEx(PyExc_UserWarning,
                     "from_numpy: the array is not writable and ember has no read-only tensors; "
                     "writing to the tensor is undefined behaviour. Copy the array first to avoid this.",
                     1) < 0)
      throw py::error_already_set();
  }
  PyObject* owner = arr.inc_ref().ptr();
  ember::Storage::Deleter release = [owner](void*) { with_gil([owner] { Py_DECREF(owner); }); };
  void* data = const_cast<void*>(arr.data());
  if (empty) return ember::from_blob(data, shape, ember::IntArray(shape.size(), 1), dtype, release);
  return ember::from_blob(data, shape, strides, dtype, release);
}

py::array to_numpy(const Tensor& t) {
  if (!t.device().is_cpu())
    throw py::type_error("numpy(): can't convert a " + t.device().str() +
                         " tensor to numpy; call .cpu() to copy it to host memory first");
  py::dtype dt = numpy_dtype(t.dtype());
  const auto es = static_cast<py::ssize_t>(t.element_size());
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end()), strides;
  for (int64_t s : t.strides()) strides.push_back(s * es);
  // The array's base is a handle on the same tensor: the storage lives as long as the array.
  return py::array(dt, shape, strides, t.data_ptr(), py::cast(t));
}

// ---- DLPack ----------------------------------------------------------------------------------
constexpr const char* kCapsule = "dltensor";
constexpr const char* kCapsuleVersioned = "dltensor_versioned";
constexpr const char* kUsedCapsule = "used_dltensor";
constexpr const char* kUsedCapsuleVersioned = "used_dltensor_versioned";

DLDataType dl_dtype(DType t) {
  DLDataType d{};
  d.lanes = 1;
  d.bits = static_cast<uint8_t>(ember::dtype_size(t) * 8);
  switch (ember::dtype_category(t)) {
    case ember::DTypeCategory::Bool: d.code = kDLBool; break;
    case ember::DTypeCategory::Integer: d.code = t == ember::kUInt8 ? kDLUInt : kDLInt; break;
    case ember::DTypeCategory::Floating: d.code = t == ember::kBFloat16 ? kDLBfloat : kDLFloat; break;
    case ember::DTypeCategory::Complex: d.code = kDLComplex; break;
  }
  return d;
}

DType dtype_from_dl(DLDataType d) {
  auto bad = [&] {
    return py::type_error("from_dlpack: unsupported DLPack dtype (code " + std::to_string(d.code) + ", bits " +
                          std::to_string(d.bits) + ", lanes " + std::to_string(d.lanes) + ")");
  };
  if (d.lanes != 1) throw bad();
  switch (d.code) {
    case kDLBool: if (d.bits == 8) return ember::kBool; break;
    case kDLUInt: if (d.bits == 8) return ember::kUInt8; break;
    case kDLInt:
      if (d.bits == 8) return ember::kInt8;
      if (d.bits == 16) return ember::kInt16;
      if (d.bits == 32) return ember::kInt32;
      if (d.bits == 64) return ember::kInt64;
      break;
    case kDLFloat:
      if (d.bits == 16) return ember::kFloat16;
      if (d.bits == 32) return ember::kFloat32;
      if (d.bits == 64) return ember::kFloat64;
      break;
    case kDLBfloat: if (d.bits == 16) return ember::kBFloat16; break;
    case kDLComplex:
      if (d.bits == 64) return ember::kComplex64;
      if (d.bits == 128) return ember::kComplex128;
      break;
  }
  throw bad();
}

// What an exported capsule owns: a handle on the tensor (so its storage lives) and the shape and
// strides arrays the DLTensor points into. Freed by the deleter the consumer calls.
struct Export {
  Tensor tensor;
  std::vector<int64_t> shape, strides;
  DLManagedTensor managed{};
  DLManagedTensorVersioned versioned{};
};

void fill_dl_tensor(Export& e, DLTensor& dl) {
  const ember::Device dev = e.tensor.device();
  dl.data = e.tensor.data_ptr();
  dl.device.device_type = dev.is_cpu() ? kDLCPU : kDLCUDA;
  dl.device.device_id = dev.is_cpu() ? 0 : dev.index;
  dl.ndim = static_cast<int32_t>(e.tensor.dim());
  dl.dtype = dl_dtype(e.tensor.dtype());
  dl.shape = e.shape.data();
  dl.strides = e.strides.data();
  dl.byte_offset = 0;
}

void delete_export(DLManagedTensor* self) { delete static_cast<Export*>(self->manager_ctx); }
void delete_export_versioned(DLManagedTensorVersioned* self) { delete static_cast<Export*>(self->manager_ctx); }

// A capsule nobody consumed still owns its tensor: release it when the capsule dies.
void capsule_destructor(PyObject* capsule) {
  if (PyCapsule_IsValid(capsule, kCapsule)) {
    auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, kCapsule));
    if (m->deleter) m->deleter(m);
  }
}
void capsule_destructor_versioned(PyObject* capsule) {
  if (PyCapsule_IsValid(capsule, kCapsuleVersioned)) {
    auto* m = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(capsule, kCapsuleVersioned));
    if (m->deleter) m->deleter(m);
  }
}

py::object to_dlpack(const Tensor& t, bool versioned, bool copy) {
  auto e = std::make_unique<Export>();
  e->tensor = copy ? t.clone() : t;
  e->shape = e->tensor.shape();
  e->strides = e->tensor.strides();
  PyObject* capsule;
  if (versioned) {
    DLManagedTensorVersioned& m = e->versioned;
    m.version.major = DLPACK_MAJOR_VERSION;
    m.version.minor = DLPACK_MINOR_VERSION;
    m.manager_ctx = e.get();
    m.deleter = delete_export_versioned;
    m.flags = copy ? DLPACK_FLAG_BITMASK_IS_COPIED : 0;
    fill_dl_tensor(*e, m.dl_tensor);
    capsule = PyCapsule_New(&m, kCapsuleVersioned, capsule_destructor_versioned);
  } else {
    DLManagedTensor& m = e->managed;
    m.manager_ctx = e.get();
    m.deleter = delete_export;
    fill_dl_tensor(*e, m.dl_tensor);
    capsule = PyCapsule_New(&m, kCapsule, capsule_destructor);
  }
  if (!capsule) throw py::error_already_set();
  e.release();  // the capsule owns it now
  return py::reinterpret_steal<py::object>(capsule);
}

Tensor from_dlpack(py::handle obj) {
  PyObject* capsule = obj.ptr();
  if (!PyCapsule_CheckExact(capsule))
    throw py::type_error("from_dlpack: expected an object with __dlpack__ or a DLPack capsule, got " + type_name(obj));
  const char* name = PyCapsule_GetName(capsule);
  const std::string cap_name = name ? name : "";
  if (cap_name == kUsedCapsule || cap_name == kUsedCapsuleVersioned)
    throw py::value_error("from_dlpack: this DLPack capsule was already consumed; a capsule can be used only once");
  const bool versioned = cap_name == kCapsuleVersioned;
  if (!versioned && cap_name != kCapsule)
    throw py::type_error("from_dlpack: expected a capsule named 'dltensor' or 'dltensor_versioned', got '" + cap_name + "'");

  DLTensor* dl;
  uint64_t flags = 0;
  std::function<void()> release;
  if (versioned) {
    auto* m = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(capsule, kCapsuleVersioned));
    if (m->version.major > DLPACK_MAJOR_VERSION)
      throw py::buffer_error("from_dlpack: the capsule uses DLPack " + std::to_string(m->version.major) + "." +
                             std::to_string(m->version.minor) + ", newer than the 1.x that ember reads");
    dl = &m->dl_tensor;
    flags = m->flags;
    release = [m] { if (m->deleter) m->deleter(m); };
  } else {
    auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, kCapsule));
    dl = &m->dl_tensor;
    release = [m] { if (m->deleter) m->deleter(m); };
  }

  // Check everything before consuming the capsule, so a refused capsule stays its producer's.
  ember::Device device;
  switch (dl->device.device_type) {
    case kDLCPU:
    case kDLCUDAHost:
      break;
    case kDLCUDA:
    case kDLCUDAManaged:
      if (!ember::cuda::is_built())
        throw py::buffer_error("from_dlpack: the tensor is on a CUDA device, but ember was built without CUDA");
      device = ember::Device(ember::kCUDA, dl->device.device_id);
      break;
    default:
      throw py::buffer_error("from_dlpack: unsupported DLPack device type " + std::to_string(dl->device.device_type) +
                             " (ember reads CPU and CUDA memory)");
  }
  const DType dtype = dtype_from_dl(dl->dtype);
  if (dl->ndim < 0 || dl->ndim > 64) throw py::value_error("from_dlpack: ndim " + std::to_string(dl->ndim) +
                                                          " is outside [0, 64]");
  for (int32_t d = 0; d < dl->ndim; ++d)
    if (dl->shape[d] < 0) throw py::value_error("from_dlpack: negative size in the shape");
  ember::IntArray shape(dl->shape, dl->shape + dl->ndim);
  ember::IntArray strides = dl->strides ? ember::IntArray(dl->strides, dl->strides + dl->ndim)
                                        : ember::IntArray();
  bool empty = false;
  for (int64_t s : shape) empty |= s == 0;
  if (strides.empty() || empty) {  // compact row-major
    strides.assign(shape.size(), 1);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
      if (__builtin_mul_overflow(strides[d + 1], std::max<int64_t>(shape[d + 1], 1), &strides[d]))
        throw py::value_error("from_dlpack: the shape's element count overflows int64");
  }
  void* data = static_cast<char*>(dl->data) + dl->byte_offset;

  PyCapsule_SetName(capsule, versioned ? kUsedCapsuleVersioned : kUsedCapsule);
  ember::Storage::Deleter deleter = [release](void*) { with_gil(release); };
  Tensor t = ember::from_blob(data, shape, strides, dtype, deleter, device);
  // ember has no read-only tensors: memory the producer marked read-only is copied, so that no
  // write through ember can reach it. The copy releases the producer's memory right away.
  if (flags & DLPACK_FLAG_BITMASK_READ_ONLY) {
    py::gil_scoped_release nogil;
    return t.clone();
  }
  return t;
}
}  // namespace

void bind_interop(py::module_& m) {
  m.def("from_numpy", &from_numpy, py::arg("array"));
  m.def("to_numpy", &to_numpy, py::arg("tensor"));
  m.def("to_dlpack", &to_dlpack, py::arg("tensor"), py::arg("versioned") = false, py::arg("copy") = false);
  m.def("from_dlpack", &from_dlpack, py::arg("capsule"));
}

}  // namespace ember_py
