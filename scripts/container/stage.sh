#!/usr/bin/env bash
# Stages a build context for scripts/container/Dockerfile: ztrun, ztnode, ztstatus and
# libztintercept.so side by side in CONTEXT/ztintercept/ (each finds the others beside itself).
#   scripts/container/stage.sh BUILD_DIR CONTEXT_DIR
set -euo pipefail
build=${1:?usage: stage.sh BUILD_DIR CONTEXT_DIR}
ctx=${2:?usage: stage.sh BUILD_DIR CONTEXT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$ctx/ztintercept"
install -m 755 "$build/tools/ztrun/ztrun" "$build/tools/ztnode/ztnode" "$build/tools/ztstatus/ztstatus" "$ctx/ztintercept/"
install -m 644 "$build/intercept/libztintercept.so" "$ctx/ztintercept/"
install -m 644 "$here/Dockerfile" "$ctx/Dockerfile"
