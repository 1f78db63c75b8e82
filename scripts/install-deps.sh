#!/usr/bin/env bash
# Installs what ztintercept needs to build, test and run its demo on Debian 12 (apt).
# Safe to run again: apt skips what is already installed.
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config g++ clang
  # libraries (all through pkg-config)
  libsodium-dev liblz4-dev libssl-dev liblwip-dev libspdlog-dev catch2
  nlohmann-json3-dev libcpp-httplib-dev   # the controller (tools/ztcontroller)
  libldns-dev                             # the controller's DNS responder (tools/ztcontroller/dns.cpp)
  libuv1-dev                              # test/programs/uv_udp_echo (UDP through syscall())
  # the programs the tests and the demo run under the shim (test/integration, test/programs)
  curl python3 iperf3
  memcached lighttpd openbsd-inetd util-linux   # servers that change user (test/programs/privileges.sh)
  nginx-light redis-server socat netcat-openbsd wrk bind9-dnsutils dnsmasq-base
  openssh-server openssh-client           # ssh through the SOCKS proxy (test/integration/proxy_forward.sh)
  # tools the integration tests use
  iproute2 iptables iputils-ping tcpdump procps file   # file: proxy_forward.sh checks a static binary
  podman runc catatonit debootstrap uidmap slirp4netns fuse-overlayfs   # test/integration/container.sh
  man-db groff-base bsdutils   # install-layout renders the man pages; script(1) gives ztrun a pty
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# Servers (nginx, redis) must not be started by their packages: the tests run them on their own
# ports with their own config. A policy-rc.d that says "no" (exit 101) is in place during the
# install unless the machine already has one.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e $policy ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee $policy >/dev/null
  $sudo chmod 755 $policy
  made_policy=1
fi
status=0
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" || status=$?
if [ $made_policy = 1 ]; then $sudo rm -f $policy; fi
[ $status = 0 ] || exit $status
# Whatever started anyway (a system without policy-rc.d support) is stopped and disabled.
for svc in nginx redis-server; do
  [ -e /etc/init.d/$svc ] || [ -e /lib/systemd/system/$svc.service ] || continue
  if [ -d /run/systemd/system ]; then
    $sudo systemctl disable --now $svc >/dev/null 2>&1 || true
  else
    $sudo invoke-rc.d --force $svc stop >/dev/null 2>&1 || true
    $sudo update-rc.d $svc disable >/dev/null 2>&1 || true
  fi
done
