// The library's own fds (control connection, log): parked above the app's soft fd limit,
// marked `ours` in the fd table so the close/close_range/dup2 hooks leave them alone, and
// checked by SO_COOKIE/inode before use (an app may still close them behind our back).
#pragma once

#include <cstdint>

namespace zti {

enum class OwnFd : int { control = 0, log = 1 };

// Moves `fd` to a high number (closing the original), marks it ours and registers it under
// `which`. Returns the new fd (or the old one if it could not move), -1 on error.
int park_fd(int fd, OwnFd which) noexcept;

int own_fd(OwnFd which) noexcept;
// Forgets the registration; closes the fd when `close_it` (false when it is no longer ours).
void drop_own_fd(OwnFd which, bool close_it) noexcept;

// Whether the fd registered under `which` is still the file we opened.
bool own_fd_valid(OwnFd which) noexcept;

// If `fd` is one of ours, moves it to another number (the app is about to dup2 over it).
void relocate_if_ours(int fd) noexcept;

// Our fds in [lo, hi], ascending, into out[0..2]; returns the count.
int own_fds_in_range(unsigned lo, unsigned hi, int out[2]) noexcept;

// Moves a registered fd to the next free number above it (caller serialises uses of it).
int move_own_fd(OwnFd which) noexcept;

}  // namespace zti
