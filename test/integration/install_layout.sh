#!/usr/bin/env bash
# `meson install` lays the files out as packaged software has them, and the installed tree works
# where it lies. Installed with --destdir into a temp dir (so relocated, as a package build is):
#  1. the library under the prefix's libdir, the node under libexecdir/ztintercept, the programs
#     in bindir, ztrun.1 and ztstatus.1 under mandir/man1 (dirs from meson's configuration), and
#     neither the library nor the node in bindir;
#  2. man renders both pages without a warning;
#  3. the installed ztrun, in an empty environment (PATH=/usr/bin:/bin, HOME, and ZT_PLANET=none
#     so that the node asks no public root), joins a static network and runs python3, which
#     connects to a server on its own virtual address: only the shim and a node carry that. The
#     library python3 maps and the node serving the home must be the installed ones;
#  4. the installed library alone (a bare LD_PRELOAD, no ztrun) starts the installed node.
# Needs every installable target built (meson test builds them all).
source "$(dirname "$0")/lib.sh"

DEST=$TMP/dest
meson install -C "$BUILD" --no-rebuild --destdir "$DEST" >"$TMP/install.log" 2>&1 \
  || { cat "$TMP/install.log"; fail "meson install --destdir failed"; }

opt() { meson introspect "$BUILD" --buildoptions | python3 -c "import json,sys; print([o['value'] for o in json.load(sys.stdin) if o['name'] == '$1'][0])"; }
PREFIX=$DEST$(opt prefix)
LIBDIR=$(opt libdir) LIBEXECDIR=$(opt libexecdir) BINDIR=$(opt bindir) MANDIR=$(opt mandir)
abs() { case $1 in /*) echo "$DEST$1" ;; *) echo "$PREFIX/$1" ;; esac; }
LIBDIR=$(abs "$LIBDIR") LIBEXECDIR=$(abs "$LIBEXECDIR") BINDIR=$(abs "$BINDIR") MANDIR=$(abs "$MANDIR")

# 1. Where each file belongs.
[ -f "$LIBDIR/libztintercept.so" ] || fail "no $LIBDIR/libztintercept.so: $(cd "$DEST" && find . -type f)"
[ -x "$LIBEXECDIR/ztintercept/ztnode" ] || fail "no $LIBEXECDIR/ztintercept/ztnode"
for p in ztrun ztstatus ztroot ztcontroller zt-idtool; do
  [ -x "$BINDIR/$p" ] || fail "no $BINDIR/$p"
done
for m in ztrun.1 ztstatus.1; do [ -f "$MANDIR/man1/$m" ] || fail "no $MANDIR/man1/$m"; done
[ ! -e "$BINDIR/libztintercept.so" ] && [ ! -e "$BINDIR/ztnode" ] || fail "the library or the node is in $BINDIR"
say "ok: $(cd "$DEST" && find . -type f | sort | tr '\n' ' ')"

# 2. The pages render without warnings (man-db through groff, and groff's own checks).
for m in ztrun.1 ztstatus.1; do
  warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$MANDIR/man1/$m" 2>&1 >/dev/null) || fail "man -l $m failed: $warn"
  [ -z "$warn" ] || fail "man warns about $m: $warn"
  warn=$(groff -man -ww -z "$MANDIR/man1/$m" 2>&1) || fail "groff failed on $m: $warn"
  [ -z "$warn" ] || fail "groff warns about $m: $warn"
  LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$MANDIR/man1/$m" 2>/dev/null | grep -q "EXIT STATUS" || fail "$m has no EXIT STATUS"
done
say "ok: man renders ztrun.1 and ztstatus.1 without warnings"

# 3. The installed ztrun finds the installed library and node with nothing in the environment.
H=$TMP/home-inst; mkdir -p "$H"; chmod 700 "$H"
echo "port = $((20000 + RANDOM % 20000))" > "$H/ztintercept.conf"
cat > "$TMP/own.py" <<'EOF'
import socket
s = socket.socket(); s.bind(("10.147.17.1", 7000)); s.listen()
c = socket.create_connection(("10.147.17.1", 7000), timeout=10)
a, _ = s.accept(); c.sendall(b"ping"); assert a.recv(4) == b"ping"
print("connected", [l.split()[-1] for l in open("/proc/self/maps") if "libztintercept" in l][0])
EOF
out=$(env -i PATH=/usr/bin:/bin HOME="$TMP" ZT_PLANET=none "$BINDIR/ztrun" -v -H "$H" \
        -n c41b8868ac000001=10.147.17.1/24 --wait 20 -- python3 "$TMP/own.py" 2>"$TMP/ztrun.err") \
  || { cat "$TMP/ztrun.err"; fail "the installed ztrun failed"; }
cat "$TMP/ztrun.err"
[ "$out" = "connected $LIBDIR/libztintercept.so" ] || fail "python3 said '$out', want the installed library"
grep -q "library $LIBDIR/libztintercept.so, node $LIBEXECDIR/ztintercept/ztnode" "$TMP/ztrun.err" \
  || fail "ztrun -v names another library or node"
nodes=$(node_pids "$H")
[ -n "$nodes" ] || fail "no node serves $H"
for pid in $nodes; do
  exe=$(readlink "/proc/$pid/exe")
  [ "$exe" = "$LIBEXECDIR/ztintercept/ztnode" ] || fail "the node serving the home is $exe"
done
say "ok: the installed ztrun ran python3 on 10.147.17.1 through $LIBDIR/libztintercept.so and $exe"

# 4. A bare LD_PRELOAD of the installed library starts the installed node (found from the library).
H2=$TMP/home-bare; mkdir -p "$H2"; chmod 700 "$H2"
printf 'port = %s\nnetwork = c41b8868ac000001 10.147.17.1/24\n' $((20000 + RANDOM % 20000)) > "$H2/ztintercept.conf"
out=$(env -i PATH=/usr/bin:/bin HOME="$TMP" ZT_PLANET=none ZT_HOME="$H2" LD_PRELOAD="$LIBDIR/libztintercept.so" \
        python3 "$TMP/own.py" 2>&1) || fail "python3 under the installed library failed: $out"
[ "$out" = "connected $LIBDIR/libztintercept.so" ] || fail "python3 said '$out'"
nodes=$(node_pids "$H2")
[ -n "$nodes" ] || fail "no node serves $H2"
for pid in $nodes; do
  exe=$(readlink "/proc/$pid/exe")
  [ "$exe" = "$LIBEXECDIR/ztintercept/ztnode" ] || fail "the library started $exe"
done
say "ok: the installed library, preloaded alone, started $exe"
