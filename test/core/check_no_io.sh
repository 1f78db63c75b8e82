#!/usr/bin/env bash
# The core is sans-I/O (STYLE §1): none of its archives may reference a syscall wrapper,
# a clock, a thread or a file call. Usage: check_no_io.sh lib1.a [lib2.a ...]
set -euo pipefail
forbidden='^(socket|bind|connect|listen|accept|accept4|send|sendto|sendmsg|sendmmsg|recv|recvfrom|recvmsg|recvmmsg|read|write|readv|writev|open|open64|openat|fopen|fopen64|close|poll|ppoll|select|epoll_wait|epoll_ctl|epoll_create1|ioctl|fcntl|clock_gettime|gettimeofday|time|sleep|usleep|nanosleep|pthread_create|fork|getrandom|randombytes_buf|randombytes_random|randombytes_uniform|syscall|printf|puts|fprintf|perror)$'
status=0
for lib in "$@"; do
  bad=$(nm -u --format=posix "$lib" 2>/dev/null | awk '{print $1}' | sed 's/@.*//' | grep -E "$forbidden" | sort -u || true)
  if [ -n "$bad" ]; then
    echo "FAIL: $(basename "$lib") references: $(echo $bad)"
    status=1
  else
    echo "ok: $(basename "$lib")"
  fi
done
exit $status
