#!/usr/bin/env bash
# A container joins a ZeroTier network unprivileged: scripts/container/Dockerfile is built with
# podman on a Debian base made with debootstrap (no registry here), and run on podman's default
# network (a CNI bridge) without --privileged, NET_ADMIN or /dev/net/tun. Its entrypoint,
# `ztrun -n <nwid> -- python3 -m http.server`, joins a network of our controller through our
# root (both on the host, reached over the bridge); a wrapped curl on the host fetches a file
# from it over the virtual network (sha256 checked). Needs root (podman as root here; see the
# README on rootless podman). The debootstrap'ed base is kept in /var/cache/ztintercept (about a
# minute to make; the Debian archive must be reachable) and the image in podman's store.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/controller_lib.sh"
[ "$(id -u)" = 0 ] || { say "SKIP: needs root (podman)"; exit 77; }
for p in podman debootstrap runc; do
  command -v $p >/dev/null || { say "SKIP: $p not installed (scripts/install-deps.sh)"; exit 77; }
done
SRC=$(cd "$(dirname "$0")/../.." && pwd)
RUNOPTS=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
BASE=localhost/ztintercept-base:bookworm
IMAGE=localhost/ztintercept-example:test-$$
NAME=zti-container-$$
trap 'podman rm -f $NAME >/dev/null 2>&1; podman rmi -f $IMAGE >/dev/null 2>&1; cleanup' EXIT

# The base image, from a minimal bookworm with the node's libraries and python3.
if ! podman image exists $BASE; then
  cache=/var/cache/ztintercept
  if [ ! -f $cache/rootfs.done ]; then
    mkdir -p $cache; rm -rf $cache/rootfs
    debootstrap --variant=minbase \
      --include=libsodium23,liblz4-1,libssl3,liblwip0,libspdlog1.10,libfmt9,python3 \
      bookworm $cache/rootfs http://deb.debian.org/debian >"$TMP/debootstrap.log" 2>&1 ||
      { tail -5 "$TMP/debootstrap.log"; fail "debootstrap failed"; }
    touch $cache/rootfs.done
  fi
  tar -C $cache/rootfs -c . | podman import - $BASE >/dev/null || fail "podman import failed"
fi
say "base image $BASE"

# podman's default network: its bridge exists while a container uses it, with this gateway.
podman run --rm "${RUNOPTS[@]}" $BASE true || fail "podman cannot run a container here"
GW=$(podman network inspect podman --format '{{range .Subnets}}{{.Gateway}}{{end}}' 2>/dev/null || true)
[ -n "$GW" ] || fail "podman's default network has no gateway"

# The image: the example Dockerfile with this build's binaries.
"$SRC/scripts/container/stage.sh" "$BUILD" "$TMP/ctx"
podman build "${RUNOPTS[@]}" --build-arg BASE=$BASE -t $IMAGE "$TMP/ctx" >"$TMP/build.log" 2>&1 ||
  { tail -20 "$TMP/build.log"; fail "podman build failed"; }
say "built $IMAGE from scripts/container/Dockerfile"

# Root and controller on the host, at the bridge's address (the container reaches it there).
ROOT_IP=$GW start_infra
NWID=$(new_network '{"name": "containers", "private": true, "v4AssignMode": {"zt": true},
  "ipAssignmentPools": [{"ipRangeStart": "10.147.40.1", "ipRangeEnd": "10.147.40.254"}],
  "routes": [{"target": "10.147.40.0/24", "via": null}]}')
member box 9993; member host $((PR + 10))
cp "$ZT_PLANET" "$(home_of box)/planet"
authorize "$NWID" box; authorize "$NWID" host

mkdir -p "$TMP/www"; head -c 3000000 /dev/urandom > "$TMP/www/blob"; chmod -R a+rX "$TMP/www"
# --init: a small init is pid 1 and reaps the node's starter (ztrun warns without one).
podman run -d --init --name $NAME "${RUNOPTS[@]}" \
  -v "$(home_of box)":/var/lib/ztintercept -v "$TMP/www":/srv:ro -e ZT_PLANET=/var/lib/ztintercept/planet \
  $IMAGE -n "$NWID" --wait 60 -- python3 -m http.server -d /srv 8080 >/dev/null || fail "podman run failed"
caps=$(podman inspect $NAME --format '{{.HostConfig.Privileged}} {{.HostConfig.CapAdd}} {{.HostConfig.Devices}}')
[ "$caps" = "false [] []" ] || fail "the container is not plain: $caps"
box_ip() { api GET "/network/$NWID/member/$(address_of box)" | json_get 's["ipAssignments"][0]'; }
wait_for 60 box_ip || { podman logs $NAME; fail "the container's node got no address"; }
IP=$(box_ip)
say "container $NAME (unprivileged, podman's default network) joined $NWID as $IP"

fetch() { run_in host "$NWID" curl -sf --max-time 10 -o "$TMP/got" "http://$IP:8080/blob"; }
wait_for 60 fetch || { podman logs $NAME | tail; fail "the host could not fetch from the container"; }
[ "$(sha256sum < "$TMP/got")" = "$(sha256sum < "$TMP/www/blob")" ] || fail "the copy differs"
say "ok: a wrapped curl on the host fetched 3 MB from the container's http.server over ZeroTier, sha256 identical"

# Rootless: the same Dockerfile built and run by an ordinary user (subuid/subgid from useradd).
# Here slirp4netns cannot open /dev/net/tun (the sandbox denies it), so podman's rootless
# default network cannot start; the container shares the host's network instead
# (--network host), still without any privilege: the virtual network is the node's own.
USER_R=ztrootless
id $USER_R >/dev/null 2>&1 || useradd -m $USER_R
grep -q "^$USER_R:" /etc/subuid || fail "no subuid range for $USER_R"
RIMAGE=localhost/ztintercept-rootless:test-$$
RNAME=zti-rootless-$$
as_user() { (cd / && runuser -u $USER_R -- "$@"); }
trap 'as_user podman rm -f $RNAME >/dev/null 2>&1; as_user podman rmi -f $RIMAGE >/dev/null 2>&1;
      podman rm -f $NAME >/dev/null 2>&1; podman rmi -f $IMAGE >/dev/null 2>&1; cleanup' EXIT
RCTX=$(runuser -u $USER_R -- mktemp -d)
cp -r "$TMP/ctx/." "$RCTX/"; chown -R $USER_R "$RCTX"
if ! as_user podman image exists localhost/ztintercept-base:bookworm; then
  tar -C /var/cache/ztintercept/rootfs -c . | as_user podman import - localhost/ztintercept-base:bookworm >/dev/null ||
    fail "rootless podman import failed"
fi
as_user podman build "${RUNOPTS[@]}" --network host --build-arg BASE=$BASE -t $RIMAGE "$RCTX" >"$TMP/rbuild.log" 2>&1 ||
  { tail -20 "$TMP/rbuild.log"; fail "rootless podman build failed"; }
member rbox $((PR + 20))
authorize "$NWID" rbox
RBOX=$(address_of rbox)
# The user's container mounts only what the user can reach ($TMP is root's).
RDIR=$(runuser -u $USER_R -- mktemp -d)
mv "$(home_of rbox)" "$RDIR/home"; cp "$ZT_PLANET" "$RDIR/home/planet"; cp -r "$TMP/www" "$RDIR/www"
chown -R $USER_R "$RDIR"
as_user podman run -d --init --name $RNAME "${RUNOPTS[@]}" --network host \
  -v "$RDIR/home":/var/lib/ztintercept -v "$RDIR/www":/srv:ro -e ZT_PLANET=/var/lib/ztintercept/planet \
  $RIMAGE -n "$NWID" --wait 60 -- python3 -m http.server -d /srv 8081 >/dev/null || fail "rootless podman run failed"
[ "$(as_user podman inspect $RNAME --format '{{.HostConfig.Privileged}} {{.HostConfig.CapAdd}}')" = "false []" ] ||
  fail "the rootless container is not plain"
rbox_ip() { api GET "/network/$NWID/member/$RBOX" | json_get 's["ipAssignments"][0]'; }
wait_for 60 rbox_ip || { as_user podman logs $RNAME; fail "the rootless container's node got no address"; }
RIP=$(rbox_ip)
rfetch() { run_in host "$NWID" curl -sf --max-time 10 -o "$TMP/rgot" "http://$RIP:8081/blob"; }
wait_for 60 rfetch || { as_user podman logs $RNAME | tail; fail "the host could not fetch from the rootless container"; }
[ "$(sha256sum < "$TMP/rgot")" = "$(sha256sum < "$TMP/www/blob")" ] || fail "the rootless copy differs"
rm -rf "$RCTX"; as_user podman rm -f $RNAME >/dev/null 2>&1; rm -rf "$RDIR"
say "ok: rootless podman (user $USER_R, --network host): joined as $RIP, 3 MB fetched over ZeroTier, sha256 identical"
