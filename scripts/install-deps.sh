#!/usr/bin/env bash
# Installs what ztintercept needs to build, test and run its demo on Debian 12 (apt).
# Safe to run again: apt skips what is already installed.
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config g++ clang
  # libraries (all through pkg-config)
  libsodium-dev liblz4-dev libssl-dev liblwip-dev libspdlog-dev catch2
  # the programs the tests and the demo run under the shim
  curl python3 iperf3
  # tools the integration tests use
  iproute2 iptables iputils-ping tcpdump procps
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
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
