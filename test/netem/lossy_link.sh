#!/usr/bin/env bash
# Two nodes with static peers talk through udp_relay, which impairs the link both ways;
# unmodified curl fetches a 20 MB random file from python3 -m http.server across it.
#
#   [curl]--shim--[node A :20001] --> [relay :21000 | :21001] --> [node B :20002]--shim--[http.server :8080]
#    10.147.17.1                  <--  delay, loss, dup, reorder <--                       10.147.17.2
#
#   lossy_link.sh loss   3% loss + 20 ms one-way delay + 5% reordered by 15 ms: the sha256
#                        matches; prints the transfer time
#   lossy_link.sh dup    10% duplication: the sha256 matches, and the receivers count the
#                        extra copies as replay / duplicate-fragment drops (ztstatus --json)
#   lossy_link.sh delay  20 ms one-way delay, nothing else: a benchmark of window-limited
#                        throughput (prints MB/s; not in meson test)
#
# Runs in a private network namespace with only loopback (see netem_lib.sh), so that no
# other path between the nodes exists.
MODE=${1:-loss}
source "$(dirname "$0")/netem_lib.sh"
private_netns "$@"
source "$(dirname "$0")/../integration/lib.sh"

case $MODE in
  loss) IMPAIR=(--delay 20 --loss 3 --reorder 5 --reorder-delay 15 --seed 11) ;;
  dup)  IMPAIR=(--dup 10 --seed 12) ;;
  delay) IMPAIR=(--delay 20 --seed 13) ;;
  *) fail "unknown mode $MODE" ;;
esac

NWID=c41b8868ac000001
# 20 MB with duplication; 4 MB through loss (lwIP's 500 ms timer ticks and no SACK make
# loss recovery slow: ~20 s/MB at 3%). NETEM_SIZE=bytes overrides.
case $MODE in loss) SIZE=${NETEM_SIZE:-4000000} ;; delay) SIZE=${NETEM_SIZE:-10000000} ;; *) SIZE=${NETEM_SIZE:-20000000} ;; esac
PA=20001 PB=20002 RL=21000 RU=21001
make_home a >/dev/null; make_home b >/dev/null
configure a $PA $NWID 10.147.17.1/24 "$(public_of b)@127.0.0.1/$RL"
configure b $PB $NWID 10.147.17.2/24 "$(address_of a)@127.0.0.1/$RU"
start_relay ab $RL $RU $PB "${IMPAIR[@]}"

www=$TMP/www; mkdir -p "$www"
head -c "$SIZE" /dev/urandom > "$www/file.bin"
want=$(sha256sum < "$www/file.bin" | cut -d' ' -f1)
(cd "$www" && exec env ZT_HOME="$(home_of b)" LD_PRELOAD="$LIB" python3 -m http.server 8080 --bind 0.0.0.0) \
  >"$TMP/server.log" 2>&1 &
BG_PIDS+=($!)
wait_for 60 in_home a curl -sf -o /dev/null --max-time 5 http://10.147.17.2:8080/ \
  || { cat "$TMP/server.log"; fail "http.server not reachable through the relay"; }

t0=$(now_s)
in_home a curl -sS --max-time 1500 -o "$TMP/got.bin" http://10.147.17.2:8080/file.bin \
  || fail "curl failed through the relay"
t1=$(now_s)
got=$(sha256sum < "$TMP/got.bin" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "sha256 mismatch: want $want got $got ($(stat -c %s "$TMP/got.bin") bytes)"
secs=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
rate=$(python3 -c "print(f'{$SIZE / 1e6 / ($t1 - $t0):.2f}')")
say "ok ($MODE): $((SIZE / 1000000)) MB intact through the relay (${IMPAIR[*]}) in $secs s ($rate MB/s)"

sa=$(status_json a); sb=$(status_json b)
line=$(stop_relay ab)
say "relay: $line"
say "node A: $(json_get 's["counters"]' <<<"$sa")"
say "node B: $(json_get 's["counters"]' <<<"$sb")"
# Every path the nodes use is the relay.
for n in a b; do
  paths=$(status_json $n | json_get "' '.join(pa['address'] for p in s['peers'] for pa in p['paths'] if pa['confirmed'])")
  case " $paths " in *" 127.0.0.1/$RL "*|*" 127.0.0.1/$RU "*) ;; *) fail "node $n has no path through the relay: $paths" ;; esac
  for p in $paths; do
    [ "$p" = 127.0.0.1/$RL ] || [ "$p" = 127.0.0.1/$RU ] || fail "node $n found a path around the relay: $p"
  done
done

case $MODE in
  loss)
    lost=$(( $(relay_counter "$line" c2t_lost) + $(relay_counter "$line" t2c_lost) ))
    reordered=$(( $(relay_counter "$line" c2t_reordered) + $(relay_counter "$line" t2c_reordered) ))
    total=$(( $(relay_counter "$line" c2t_rx) + $(relay_counter "$line" t2c_rx) ))
    # 3% loss and 5% reordering configured: at least 1% and 2% of what passed, or the link
    # was not bad enough to prove anything.
    [ $((lost * 100)) -ge "$total" ] && [ $((reordered * 50)) -ge "$total" ] ||
      fail "the relay lost $lost and reordered $reordered of $total: not a bad link"
    say "ok (loss): the relay dropped $lost and reordered $reordered datagrams; no corruption"
    ;;
  dup)
    dups=$(( $(relay_counter "$line" c2t_dup) + $(relay_counter "$line" t2c_dup) ))
    seen=0
    for s in "$sa" "$sb"; do
      seen=$(( seen + $(json_get 's["counters"]["drops"].get("replay", 0) + s["counters"]["drops"].get("duplicate_fragment", 0)' <<<"$s") ))
    done
    [ "$dups" -gt 1000 ] || fail "the relay duplicated only $dups datagrams"
    # Every extra copy is dropped and counted: a replay (a whole packet) or a duplicate
    # fragment (a piece of a packet being assembled, or already assembled). The relay's
    # count is read last, so it may include a keepalive copied since.
    [ "$seen" -le "$dups" ] && [ "$seen" -ge $((dups - 2)) ] \
      || fail "the relay duplicated $dups datagrams but the nodes counted $seen duplicates"
    say "ok (dup): the relay duplicated $dups datagrams; the nodes dropped $seen as replay/duplicate_fragment"
    ;;
esac
