#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

#include "ember/api.h"

namespace ember {

// The bindings map each kind to a Python exception: ValueError, TypeError, IndexError,
// RuntimeError. ShapeError is a ValueError that Python code can also catch as RuntimeError;
// OutOfMemory is ember.cuda.OutOfMemoryError, a RuntimeError.
enum class ErrorKind { Runtime, Value, Shape, Type, Index, NotImplemented, OutOfMemory };

class EMBER_API Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& msg) : std::runtime_error(msg), kind_(kind) {}
  ErrorKind kind() const { return kind_; }
 private:
  ErrorKind kind_;
};

namespace detail {
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
[[noreturn]] EMBER_API void throw_error(ErrorKind kind, const std::string& msg);
}  // namespace detail

}  // namespace ember

// EMBER_CHECK(cond, "op: expected ...", value, ...) throws a RuntimeError-kind ember::Error.
#define EMBER_CHECK_KIND(kind, cond, ...)                                                 \
  do {                                                                                    \
    if (__builtin_expect(!(cond), 0))                                                     \
      ::ember::detail::throw_error(kind, ::ember::detail::str_cat(__VA_ARGS__));          \
  } while (0)
#define EMBER_CHECK(cond, ...) EMBER_CHECK_KIND(::ember::ErrorKind::Runtime, cond, __VA_ARGS__)
#define EMBER_CHECK_VALUE(cond, ...) EMBER_CHECK_KIND(::ember::ErrorKind::Value, cond, __VA_ARGS__)
#define EMBER_CHECK_SHAPE(cond, ...) EMBER_CHECK_KIND(::ember::ErrorKind::Shape, cond, __VA_ARGS__)
#define EMBER_CHECK_TYPE(cond, ...) EMBER_CHECK_KIND(::ember::ErrorKind::Type, cond, __VA_ARGS__)
#define EMBER_CHECK_INDEX(cond, ...) EMBER_CHECK_KIND(::ember::ErrorKind::Index, cond, __VA_ARGS__)
#define EMBER_FAIL(kind, ...) ::ember::detail::throw_error(kind, ::ember::detail::str_cat(__VA_ARGS__))
