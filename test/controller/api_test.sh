#!/usr/bin/env bash
# The controller API as ZeroTier users drive it: curl with X-ZT1-Auth against ztcontroller-api
# (no node). Networks, members, defaults, listings; every error status leaves the store's files
# unchanged; SIGKILL during a stream of writes never leaves a half-written or lost record.
#
#   curl ──HTTP──▶ ztcontroller-api (127.0.0.1, port picked by the kernel)
#                      └── $HOME/controller.d/network/<nwid>.json, <nwid>/member/<addr>.json
source "$(dirname "$0")/../integration/lib.sh"

API=$BUILD/tools/ztcontroller/ztcontroller-api
CTL=c41b8868ac
HOME_DIR=$TMP/home-ctl
SERVER_PID=""
PORT=""

start_server() {  # start_server [extra args]: starts the API and waits for its port
  : > "$TMP/server.out"
  "$API" --home "$HOME_DIR" --address $CTL --port 0 "$@" > "$TMP/server.out" 2> "$TMP/server.err" &
  SERVER_PID=$!
  BG_PIDS+=("$SERVER_PID")
  wait_for 10 grep -q '^listening on' "$TMP/server.out" || fail "server did not start: $(cat "$TMP/server.err")"
  PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$TMP/server.out")
  TOKEN=$(cat "$HOME_DIR/authtoken.secret")
  URL=http://127.0.0.1:$PORT
}

# stop_server: SIGTERM; the server must exit 0 having said nothing on stderr.
stop_server() {
  local rc=0
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || rc=$?
  [ $rc = 0 ] || fail "server exited $rc on SIGTERM"
  [ ! -s "$TMP/server.err" ] || fail "server stderr: $(cat "$TMP/server.err")"
}

# api METHOD PATH [BODY]: sets STATUS and BODY; the token goes in X-ZT1-Auth.
api() {
  local args=(-s -o "$TMP/body" -w '%{http_code}' -X "$1" -H "X-ZT1-Auth: $TOKEN")
  [ $# -ge 3 ] && args+=(--data-binary "$3")
  STATUS=$(curl "${args[@]}" "$URL$2")
  BODY=$(cat "$TMP/body")
}

expect() {  # expect STATUS WHAT
  [ "$STATUS" = "$1" ] || fail "$2: HTTP $STATUS, expected $1 (body: $BODY)"
}

# check PYTHON-EXPR WHAT: the expression over d = the last JSON body must be true.
check() {
  python3 -c "import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if ($1) else 1)" "$BODY" \
    || fail "$2: ($1) is false for $BODY"
}

store_sum() { (cd "$HOME_DIR" && find controller.d -type f ! -name .lock -print0 | sort -z | xargs -0 sha256sum) | sha256sum; }

unchanged_after() {  # unchanged_after WHAT STATUS METHOD PATH [BODY]
  local what=$1 want=$2; shift 2
  local before; before=$(store_sum)
  api "$@"
  expect "$want" "$what"
  check "'error' in d" "$what: JSON error body"
  [ "$(store_sum)" = "$before" ] || fail "$what changed the store"
  say "ok: $what -> $want, store unchanged"
}

start_server

# --- the token file, as zerotier-one makes it --------------------------------------------
[ "$(stat -c %a "$HOME_DIR/authtoken.secret")" = 600 ] || fail "authtoken.secret is not mode 600"
[[ $TOKEN =~ ^[a-z0-9]{24}$ ]] || fail "token is not 24 characters of [a-z0-9]: $TOKEN"
say "ok: authtoken.secret: 24 chars, mode 600"

api GET /controller
expect 200 "GET /controller"
check "d['controller'] is True and d['apiVersion'] == 4 and d['databaseReady'] is True and d['clock'] > 0" "status"

# --- ZeroTier's documented script, unchanged (header name case as in the docs) -------------
NWID=$(curl -s -X POST "$URL/controller/network/${CTL}______" -H "X-ZT1-AUTH: ${TOKEN}" -d {} |
       python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
[[ $NWID =~ ^${CTL}[0-9a-f]{6}$ ]] || fail "created network id '$NWID' is not under $CTL"
curl -sf -X POST "$URL/controller/network/${NWID}" -H "X-ZT1-AUTH: ${TOKEN}" \
  -d '{"ipAssignmentPools": [{"ipRangeStart": "10.0.0.1", "ipRangeEnd": "10.0.0.254"}], "routes": [{"target": "10.0.0.0/24", "via": null}], "v4AssignMode": "zt", "private": true }' \
  > /dev/null || fail "docs: network update"
curl -sf -X POST "$URL/controller/network/${NWID}/member/0eb8d1da54" -H "X-ZT1-AUTH: ${TOKEN}" \
  -d '{"authorized": true}' > /dev/null || fail "docs: member authorize"
api GET "/controller/network/$NWID"
check "d['v4AssignMode'] == {'zt': True} and d['routes'] == [{'target': '10.0.0.0/24', 'via': None}] and d['revision'] == 2" "docs network"
api GET "/controller/network/$NWID/member/0eb8d1da54"
check "d['authorized'] is True and d['lastAuthorizedCredentialType'] == 'api'" "docs member"
say "ok: ZeroTier's documented curl script works unchanged ($NWID)"

# --- the other auth forms OneService accepts ------------------------------------------------
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/controller/network")" = 200 ] ||
  fail "Authorization: Bearer refused"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/controller/network?auth=$TOKEN")" = 200 ] || fail "?auth= refused"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Basic $TOKEN" "$URL/controller/network")" = 401 ] ||
  fail "Authorization: Basic accepted"
say "ok: Authorization: Bearer and ?auth= work"

# --- an explicit id, read back with upstream's defaults -------------------------------------
N1=${CTL}000001
api POST "/controller/network/$N1" '{}'
expect 200 "create $N1"
api GET "/controller/network/$N1"
expect 200 "GET $N1"
check "d['id'] == d['nwid'] == '$N1' and d['objtype'] == 'network' and d['revision'] == 1" "ids"
check "d['name'] == '' and d['private'] is True and d['enableBroadcast'] is True and d['mtu'] == 2800" "defaults 1"
check "d['multicastLimit'] == 32 and d['v4AssignMode'] == {'zt': False} and d['routes'] == [] and d['ipAssignmentPools'] == []" "defaults 2"
check "d['v6AssignMode'] == {'zt': False, 'rfc4193': False, '6plane': False} and d['authTokens'] == [None] and d['dns'] == []" "defaults 3"
check "d['rules'] == [{'not': False, 'or': False, 'type': 'ACTION_ACCEPT'}] and d['capabilities'] == [] and d['tags'] == []" "defaults 4"
say "ok: new network $N1 has upstream's defaults"

api POST "/controller/network/$N1" '{"name": "ztref", "private": false, "ipAssignmentPools": [{"ipRangeStart": "10.147.17.1", "ipRangeEnd": "10.147.17.254"}], "routes": [{"target": "10.147.17.0/24", "via": null}], "v4AssignMode": {"zt": true}, "rules": [{"type": "MATCH_ETHERTYPE", "etherType": 2048, "not": true}, {"type": "ACTION_DROP"}, {"type": "ACTION_ACCEPT"}]}'
expect 200 "update $N1"
check "d['name'] == 'ztref' and d['private'] is False and d['v4AssignMode'] == {'zt': True} and d['revision'] == 2" "update"
check "d['ipAssignmentPools'] == [{'ipRangeStart': '10.147.17.1', 'ipRangeEnd': '10.147.17.254'}]" "pools"
check "[r['type'] for r in d['rules']] == ['MATCH_ETHERTYPE', 'ACTION_DROP', 'ACTION_ACCEPT']" "rules"
api PUT "/controller/network/$N1" '{"name": "ztref"}'
expect 200 "PUT same name"
check "d['revision'] == 2" "no change, no new revision"
api GET "/controller/network/$N1"
check "d['name'] == 'ztref' and d['routes'] == [{'target': '10.147.17.0/24', 'via': None}]" "read back"
# GET, change, POST the whole record back (what UIs do).
BACK=$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); d['name']='ztref2'; print(json.dumps(d))" "$BODY")
api POST "/controller/network/$N1" "$BACK"
expect 200 "post a GET result back"
check "d['name'] == 'ztref2' and d['revision'] == 3" "round trip"
say "ok: network fields update, revision counts changes"

api GET /controller/network
check "d == sorted(['$NWID', '$N1'])" "network list"
say "ok: network list: $BODY"

# --- members ----------------------------------------------------------------------------
MA=0eb8d1da54
MB=3cc90031a0
api POST "/controller/network/$N1/member/$MA" '{"authorized": true, "ipAssignments": ["10.147.17.11"]}'
expect 200 "create member $MA"
check "d['id'] == d['address'] == '$MA' and d['nwid'] == '$N1' and d['authorized'] is True and d['revision'] == 1" "member a"
check "d['ipAssignments'] == ['10.147.17.11'] and d['vMajor'] == -1 and 'identity' not in d" "member a fields"
api POST "/controller/network/$N1/member/$MB" '{}'
expect 200 "create member $MB"
check "d['authorized'] is False and d['activeBridge'] is False and d['noAutoAssignIps'] is False and d['revision'] == 1" "member b defaults"
api POST "/controller/network/$N1/member/$MB" '{"authorized": true}'
check "d['authorized'] is True and d['lastAuthorizedTime'] > 0 and d['revision'] == 2" "authorize b"
api POST "/controller/network/$N1/member/$MB" '{"authorized": false}'
check "d['authorized'] is False and d['lastDeauthorizedTime'] > 0 and d['revision'] == 3" "deauthorize b"
api GET "/controller/network/$N1/member"
expect 200 "member list"
check "d == {'$MA': 1, '$MB': 3}" "member list with revisions"
say "ok: members: create, authorize, deauthorize; list $BODY"
api DELETE "/controller/network/$N1/member/$MB"
expect 200 "delete member"
check "d['id'] == '$MB'" "deleted member returned"
api GET "/controller/network/$N1/member/$MB"
expect 404 "deleted member is gone"
[ ! -e "$HOME_DIR/controller.d/network/$N1/member/$MB.json" ] || fail "member file still there"
api GET "/controller/network/$N1/member"
check "d == {'$MA': 1}" "member list after delete"
say "ok: member delete"

# --- errors: status and an unchanged store --------------------------------------------------
unchanged_after "bad JSON" 500 POST "/controller/network/$N1" '{"name": '
unchanged_after "body not an object" 400 POST "/controller/network/$N1" '[1,2]'
unchanged_after "wrong type (private)" 400 POST "/controller/network/$N1" '{"name": "x", "private": "no"}'
unchanged_after "wrong type (routes)" 400 POST "/controller/network/$N1" '{"routes": {"target": "10.0.0.0/8"}}'
unchanged_after "wrong type (member ips)" 400 POST "/controller/network/$N1/member/$MA" '{"ipAssignments": [5]}'
unchanged_after "rule that does not convert" 400 POST "/controller/network/$N1" '{"name": "x", "rules": [{"type": "ACTION_ACCEPT"}, {"type": "MATCH_ETHERTYPE", "etherType": "ipv4"}]}'
check "d['error'] == 'rules[1].etherType: expected an integer 0..65535, got \"ipv4\"'" "rule error message"
unchanged_after "capability rule that does not convert" 400 POST "/controller/network/$N1" '{"capabilities": [{"id": 1, "rules": [{"type": "MATCH_NOTHING"}]}]}'
check "d['error'] == 'capabilities[0].rules[0].type: unknown rule type \"MATCH_NOTHING\"'" "capability rule error message"
unchanged_after "bad JSON, new network" 500 POST "/controller/network/${CTL}______" 'nope'
unchanged_after "another controller's ______" 400 POST "/controller/network/1111111111______" '{}'
unchanged_after "another controller's network" 400 POST "/controller/network/1111111111000001" '{}'
unchanged_after "member of a missing network" 404 POST "/controller/network/${CTL}00abcd/member/$MA" '{}'
unchanged_after "reserved member address" 400 POST "/controller/network/$N1/member/ff00000001" '{}'
unchanged_after "unknown path" 404 GET "/controller/nothing"
unchanged_after "wrong method" 404 DELETE "/controller/network"
unchanged_after "PATCH" 404 PATCH "/controller/network/$N1" '{"name": "x"}'
unchanged_after "missing network" 404 GET "/controller/network/${CTL}00abcd"
unchanged_after "delete missing network" 404 DELETE "/controller/network/${CTL}00abcd"
unchanged_after "missing member list" 404 GET "/controller/network/${CTL}00abcd/member"
unchanged_after "delete missing member" 404 DELETE "/controller/network/$N1/member/$MB"
REAL_TOKEN=$TOKEN
TOKEN=""
unchanged_after "no token" 401 POST "/controller/network/$N1" '{"name": "x"}'
TOKEN=wrongwrongwrongwrongwron
unchanged_after "bad token" 401 POST "/controller/network/$N1" '{"name": "x"}'
unchanged_after "bad token, GET" 401 GET "/controller/network/$N1"
TOKEN=$REAL_TOKEN
python3 -c 'import sys; sys.stdout.write("{\"name\": \"" + "x" * (2 << 20) + "\"}")' > "$TMP/big.json"
before=$(store_sum)
STATUS=$(curl -s -o "$TMP/body" -w '%{http_code}' -X POST -H "X-ZT1-Auth: $TOKEN" --data-binary @"$TMP/big.json" "$URL/controller/network/$N1")
BODY=$(cat "$TMP/body")
expect 413 "oversized body"
[ "$(store_sum)" = "$before" ] || fail "oversized body changed the store"
say "ok: oversized body (2 MiB) -> 413, store unchanged"
api GET "/controller/network/$N1"
check "d['name'] == 'ztref2'" "name after the refused requests"

# --- delete a network -----------------------------------------------------------------------
api DELETE "/controller/network/$N1"
expect 200 "delete network"
check "d['id'] == '$N1'" "deleted network returned"
api GET "/controller/network/$N1"
expect 404 "deleted network is gone"
[ ! -e "$HOME_DIR/controller.d/network/$N1.json" ] && [ ! -e "$HOME_DIR/controller.d/network/$N1" ] ||
  fail "network files still there"
api GET /controller/network
check "d == ['$NWID']" "list after delete"
say "ok: network delete removes the network and its members"

# --- restart: everything reloads as it was --------------------------------------------------
api GET "/controller/network/$NWID"
SAVED=$BODY
stop_server
start_server
api GET "/controller/network/$NWID"
[ "$BODY" = "$SAVED" ] || fail "network changed across a restart"
[ ! -s "$TMP/server.err" ] || fail "restart reported problems: $(cat "$TMP/server.err")"
say "ok: restart reloads the same records"

# One server per home, one per port.
rc=0; out=$(timeout 10 "$API" --home "$HOME_DIR" --address $CTL --port 0 2>&1) || rc=$?
[ $rc = 1 ] && [[ $out == *"another controller is using"* ]] || fail "a second server on the home: rc $rc: $out"
rc=0; out=$(timeout 10 "$API" --home "$TMP/home-other" --address $CTL --port "$PORT" 2>&1) || rc=$?
[ $rc = 1 ] && [[ $out == *"cannot listen"* ]] || fail "a second server on port $PORT: rc $rc: $out"
say "ok: a second server on the same home or port fails"

# --- SIGKILL during writes --------------------------------------------------------------------
# A writer posts name n<i> to one network and toggles members; every 200 is logged. After a
# kill -9 and restart every file parses, no temp file is left, and the stored name is the last
# acknowledged one or the one in flight.
K=${CTL}0000cc
api POST "/controller/network/$K" '{"name": "n0"}'
expect 200 "create $K"
writer() {
  local i=1
  while :; do
    local s
    s=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-ZT1-Auth: $TOKEN" \
        --data-binary "{\"name\": \"n$i\", \"multicastLimit\": $i}" "$URL/controller/network/$K") || true
    [ "$s" = 200 ] && echo "$i" >> "$TMP/acked"
    curl -s -o /dev/null -X POST -H "X-ZT1-Auth: $TOKEN" \
        --data-binary "{\"authorized\": $([ $((i % 2)) = 0 ] && echo true || echo false)}" \
        "$URL/controller/network/$K/member/$(printf '%010x' $((i % 7 + 1)))" || true
    i=$((i + 1))
  done
}
for round in 1 2 3 4 5; do
  : > "$TMP/acked"
  writer & WRITER=$!
  BG_PIDS+=("$WRITER")
  sleep "0.$((RANDOM % 7 + 3))"
  kill -9 "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  kill "$WRITER" 2>/dev/null || true
  wait "$WRITER" 2>/dev/null || true
  acked=$(tail -n 1 "$TMP/acked")
  acked=${acked:-0}
  start_server
  [ ! -s "$TMP/server.err" ] || fail "round $round: problems after kill -9: $(cat "$TMP/server.err")"
  ! find "$HOME_DIR/controller.d" -name '*.tmp' | grep -q . || fail "round $round: temp files left after restart"
  nfiles=0
  while IFS= read -r -d '' f; do
    python3 -m json.tool "$f" > /dev/null || fail "round $round: $f does not parse"
    nfiles=$((nfiles + 1))
  done < <(find "$HOME_DIR/controller.d" -name '*.json' -print0)
  api GET "/controller/network/$K"
  expect 200 "round $round: network readable"
  check "d['name'] in ('n$acked', 'n$((acked + 1))') and d['multicastLimit'] in ($acked, $((acked + 1)))" \
    "round $round: last acknowledged write (n$acked) kept"
  api GET "/controller/network/$K/member"
  expect 200 "round $round: member list"
  say "ok: kill -9 round $round: $acked writes acknowledged, $nfiles files parse, last write kept"
done

stop_server
say "PASS"
