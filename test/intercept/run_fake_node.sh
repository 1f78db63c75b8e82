#!/usr/bin/env bash
# Runs the semantics program through libztintercept.so against test/intercept/fake_node.py
# (virtual 10.99.0.1 carried over kernel loopback): the shim's whole virtual path without the
# real node.   run_fake_node.sh <libztintercept.so> <semantics> <fake_node.py>
set -euo pipefail
lib=$1 sem=$2 fake=$3
home=$(mktemp -d)
node_pid=
cleanup() {
  if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  rm -rf "$home"
}
trap cleanup EXIT
python3 "$fake" "$home" >"$home/fake.out" 2>&1 &
node_pid=$!
for _ in $(seq 100); do grep -q ready "$home/fake.out" 2>/dev/null && break; sleep 0.05; done
ZT_HOME=$home ZT_LOG_LEVEL=debug ZT_NODE_BIN=/bin/false LD_PRELOAD=$lib timeout 60 "$sem" --target 10.99.0.1 || {
  echo "--- intercept.log"; cat "$home/intercept.log" 2>/dev/null; echo "--- fake node"; cat "$home/fake.out"; exit 1; }
