#!/usr/bin/env bash
# zt-idtool end to end: identities (generate, validate, getpublic, sign, verify), world key
# pairs, mkworld with two roots, showworld (text and --json), the captured private planet
# rebuilt byte for byte, and bad input (one error line, exit code 1, never a crash).
# Usage: idtool_test.sh <zt-idtool> <test/vectors dir>
set -euo pipefail
tool=$(realpath "$1")
vectors=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

# expect_fail <substring> <args...>: exit code 1, exactly one stderr line containing it.
expect_fail() {
  local want=$1; shift
  local rc=0
  "$tool" "$@" >out.txt 2>err.txt || rc=$?
  [ "$rc" -eq 1 ] || fail "zt-idtool $* exited $rc, expected 1 ($(cat err.txt))"
  [ "$(wc -l <err.txt)" -eq 1 ] || fail "zt-idtool $* printed $(wc -l <err.txt) error lines: $(cat err.txt)"
  grep -qF -- "$want" err.txt || fail "zt-idtool $*: error '$(cat err.txt)' does not mention '$want'"
  echo "ok (refused): $(cat err.txt)"
}
mode_of() { stat -c %a "$1"; }

step "generate, validate, getpublic"
pub_out=$("$tool" generate a.secret a.public 2>/dev/null)
[ "$(mode_of a.secret)" = 600 ] || fail "a.secret has mode $(mode_of a.secret)"
[ "$pub_out" = "$(cat a.public)" ] || fail "generate printed '$pub_out', a.public holds '$(cat a.public)'"
[ "$(tail -c 1 a.public | od -An -c | tr -d ' ')" != '\n' ] || fail "identity.public must not end in a newline"
[[ "$(cat a.secret)" =~ ^[0-9a-f]{10}:0:[0-9a-f]{128}:[0-9a-f]{128}$ ]] || fail "a.secret: bad format"
[[ "$(cat a.public)" =~ ^[0-9a-f]{10}:0:[0-9a-f]{128}$ ]] || fail "a.public: bad format"
"$tool" validate a.secret
"$tool" validate a.public
"$tool" validate "$(cat a.public)"
[ "$("$tool" getpublic a.secret)" = "$(cat a.public)" ] || fail "getpublic differs from a.public"
"$tool" generate b.secret b.public >/dev/null 2>&1
secret_only=$("$tool" generate)
[[ "$secret_only" =~ ^[0-9a-f]{10}:0:[0-9a-f]{128}:[0-9a-f]{128}$ ]] || fail "generate without files must print the secret"
# Another address with the same keys fails the address check (spec §1.3).
addr=$(cut -c1-10 a.public)
if [ "${addr:9:1}" = 0 ]; then flip=1; else flip=0; fi
echo -n "${addr:0:9}${flip}$(cut -c11- a.public)" >bad.public
expect_fail "bad.public" validate bad.public
expect_fail "nope.secret" validate nope.secret
echo "hello" >garbage.public
expect_fail "not an identity" validate garbage.public

step "sign and verify"
echo "some message" >msg.txt
sig=$("$tool" sign a.secret msg.txt)
[[ "$sig" =~ ^[0-9a-f]{192}$ ]] || fail "signature '$sig' is not 96 bytes of hex"
"$tool" verify a.public msg.txt "$sig"
"$tool" verify a.secret msg.txt "$sig"
echo "other message" >msg2.txt
expect_fail "FAILED" verify a.public msg2.txt "$sig"
expect_fail "FAILED" verify b.public msg.txt "$sig"
expect_fail "hex digits" verify a.public msg.txt "abcd"
expect_fail "no secret" sign a.public msg.txt

step "genkeypair"
k1=$("$tool" genkeypair k1.c25519)
"$tool" genkeypair k2.c25519 >/dev/null
[ "$(stat -c %s k1.c25519)" = 128 ] || fail "k1.c25519 is not 128 bytes"
[ "$(mode_of k1.c25519)" = 600 ] || fail "k1.c25519 has mode $(mode_of k1.c25519)"
[ "$k1" = "$(head -c 64 k1.c25519 | od -An -v -tx1 | tr -d ' \n')" ] || fail "genkeypair printed another public key"

step "mkworld with two roots, showworld --json"
"$tool" mkworld --type planet --id 0x3039 --timestamp 1700000000000 --key k1.c25519 \
  --root a.public=10.0.0.1/9993,fd00::1/9993 --root "$(cat b.public)=192.0.2.7/9993" --out w.planet
"$tool" showworld w.planet --json >w.json
python3 - "$(cat a.public)" "$(cat b.public)" "$k1" <<'EOF'
import json, sys
a, b, k1 = sys.argv[1:4]
w = json.load(open("w.json"))
assert w["type"] == "planet" and w["id"] == 12345 and w["timestamp"] == 1700000000000, w
assert w["updatesMustBeSignedBy"] == k1, w
assert w["signatureValid"] is True and w["rootsValid"] is True, w
assert [r["identity"] for r in w["roots"]] == [a, b], w
assert w["roots"][0]["stableEndpoints"] == ["10.0.0.1/9993", "fd00::1/9993"], w
assert w["roots"][1]["stableEndpoints"] == ["192.0.2.7/9993"], w
assert len(w["signature"]) == 192
EOF
"$tool" showworld w.planet | grep -q "signature check: valid" || fail "showworld text output"

step "a moon whose next key differs from its signing key"
"$tool" mkworld --type moon --id "$(cut -c1-10 a.public | sed 's/^/0x/')" --timestamp 5 --key k1.c25519 \
  --next-key k2.c25519 --root a.secret=10.0.0.1/9993 --out w.moon
expect_fail "signature does not verify" showworld w.moon
"$tool" showworld w.moon --key k1.c25519 >/dev/null
"$tool" showworld w.moon --key "$k1" --json | python3 -c 'import json,sys; w=json.load(sys.stdin); assert w["type"]=="moon" and w["signatureValid"], w'

step "tampered, truncated and junk world files"
python3 - <<'EOF'
b = bytearray(open("w.planet", "rb").read())
b[-1] ^= 1  # last port byte of the second root
open("tampered.planet", "wb").write(b)
open("truncated.planet", "wb").write(open("w.planet", "rb").read()[:-1])
open("longer.planet", "wb").write(open("w.planet", "rb").read() + b"\0")
open("junk.planet", "wb").write(bytes(range(256)) * 3)
EOF
expect_fail "tampered.planet: signature does not verify" showworld tampered.planet
expect_fail "tampered.planet: signature does not verify" showworld --json tampered.planet
expect_fail "truncated.planet: not a valid world" showworld truncated.planet
expect_fail "unexpected byte(s)" showworld longer.planet
expect_fail "junk.planet" showworld junk.planet
expect_fail "missing.planet: cannot open" showworld missing.planet
expect_fail "usage" showworld
: >empty.planet
expect_fail "empty.planet: not a valid world" showworld empty.planet

step "mkworld refuses bad input"
expect_fail "bad endpoint" mkworld --id 1 --key k1.c25519 --root a.public=10.0.0.1 --out x
expect_fail "bad endpoint" mkworld --id 1 --key k1.c25519 --root a.public= --out x
expect_fail "not a C25519 key pair" mkworld --id 1 --key msg.txt --root a.public=10.0.0.1/1 --out x
expect_fail "--type" mkworld --type comet --id 1 --key k1.c25519 --root a.public=10.0.0.1/1 --out x
expect_fail "--id" mkworld --id twelve --key k1.c25519 --root a.public=10.0.0.1/1 --out x
expect_fail "usage" mkworld --id 1 --key k1.c25519 --out x
expect_fail "more than 4 roots" mkworld --id 1 --key k1.c25519 --root a.public --root a.public \
  --root a.public --root a.public --root a.public --out x
expect_fail "listed twice" mkworld --id 1 --key k1.c25519 --root a.public --root a.secret --out x
expect_fail "bad.public" mkworld --id 1 --key k1.c25519 --root bad.public=10.0.0.1/1 --out x
python3 -c 'import sys; k=bytearray(open("k1.c25519","rb").read()); k[0]^=1; open("k1bad.c25519","wb").write(k)'
expect_fail "does not match" mkworld --id 1 --key k1bad.c25519 --root a.public --out x
[ ! -e x ] || fail "a refused mkworld wrote its output"
expect_fail "unknown command" frobnicate

step "the captures' private planet, rebuilt and shown"
"$tool" mkworld --type planet --id 2054451814 --timestamp 1732464000000 \
  --key "$vectors/captures/world-keys/previous.c25519" --next-key "$vectors/captures/world-keys/current.c25519" \
  --root "$vectors/captures/nodes/root/identity.public=10.99.0.1/9993" --out private.planet
cmp private.planet "$vectors/captures/planet" || fail "mkworld does not reproduce captures/planet"
"$tool" showworld "$vectors/captures/planet" --key "$vectors/captures/world-keys/current.c25519" >/dev/null

step "the default planet: showworld --json matches default_planet.json"
python3 -c "import sys; open('default.planet','wb').write(bytes.fromhex(''.join(open(sys.argv[1]).read().split())))" \
  "$vectors/default_planet.hex"
"$tool" showworld default.planet --json >default.json
python3 - "$vectors/default_planet.json" <<'EOF'
import json, sys
want = json.load(open(sys.argv[1]))["decoded"]
got = json.load(open("default.json"))
assert got["type"] == "planet" and got["id"] == want["id"] and got["timestamp"] == want["timestamp"]
for k in ("updatesMustBeSignedBy", "signature", "roots"):
    assert got[k] == want[k], (k, got[k], want[k])
assert got["signatureValid"] and got["rootsValid"]
EOF

echo "all zt-idtool checks passed"
