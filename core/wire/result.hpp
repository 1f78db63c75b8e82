// Result<T, E>: a value or the reason there is none (STYLE §4). Small, never throws,
// no allocation. Result<void, E> carries only the reason.
#pragma once

#include <optional>
#include <utility>

namespace zt {

template <class E>
struct Failure {
    E reason;
};
template <class E>
Failure(E) -> Failure<E>;

template <class T, class E>
class [[nodiscard]] Result {
public:
    Result(T v) : v_(std::move(v)) {}
    Result(Failure<E> f) : e_(f.reason) {}

    bool ok() const { return v_.has_value(); }
    explicit operator bool() const { return ok(); }
    // Precondition: ok().
    T& value() { return *v_; }
    const T& value() const { return *v_; }
    T& operator*() { return *v_; }
    const T& operator*() const { return *v_; }
    T* operator->() { return &*v_; }
    const T* operator->() const { return &*v_; }
    // Precondition: !ok().
    E error() const { return e_; }

private:
    std::optional<T> v_;
    E e_{};
};

template <class E>
class [[nodiscard]] Result<void, E> {
public:
    Result() = default;
    Result(Failure<E> f) : failed_(true), e_(f.reason) {}

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    E error() const { return e_; }

private:
    bool failed_ = false;
    E e_{};
};

}  // namespace zt
