#!/usr/bin/env bash
# Live forwarding benchmark: the Linux kernel vs lwt (AF_PACKET TPACKET_V3) on veths.
#
#   sudo scripts/bench-live.sh
#
# Topology (three network namespaces, created here and deleted on exit, Ctrl-C included):
#
#   [gen] gen0 ──veth── in0 [dut] out0 ──veth── sink0 [sink]
#
# The DUT is either the kernel (the same lines run as `ip LINE`, + sysctl -w) or `lwt daemon`
# (the same iproute2 lines plus `link add in0|out0 type port`). Three cases:
#
#   ipv6-fwd  plain IPv6 forwarding (2001:db8:99::/48 via the sink)
#   encaps4   SRv6 H.Encaps of IPv4, 2 SIDs (route add 10.99.0.0/16 encap seg6 ...)
#   end       SRv6 End (-6 route add fc00::100/128 encap seg6local action End dev in0)
#
# CPU placement (2 vCPUs): CPU 0 runs trafgen and the sink's receive softirq
# (RPS on sink0 -> CPU 0); CPU 1 is the DUT: RPS on in0 steers all of in0's receive
# processing to CPU 1 (kernel: the whole forwarding path; lwt: the AF_PACKET RX copy and
# the kernel's own discard of the frame), and the lwt daemon is pinned there with taskset.
#
# Per case and DUT it first checks, with a few packets and tshark on sink0, that the DUT
# really forwards the expected packet (else the case is aborted), then runs trafgen as fast
# as it can for DURATION seconds and reports offered pps (gen0 tx + tx_dropped), forwarded
# pps (sink0 rx_packets delta) and CPU-ns per forwarded packet (see the notes it prints).
#
# Environment: DURATION (s, default 10), CASES (default "ipv6-fwd encaps4 end"),
# DUTS (default "kernel lwt"), LWT (binary; default target/release/lwt, built here unless
# NO_BUILD=1), RPS (1 = steer as above, default; 0 = no RPS: in0's receive processing
# then runs on the generator's CPU), RATE (pps; default unset = as fast as trafgen can;
# a rate both DUTs sustain compares their CPU cost at equal load), KEEP_LOGS=1 keeps the
# work directory.
# Diagnostics (they change what is measured): PERF=1 records `perf record -g` on the DUT
# CPU and prints the top symbols; LWT_INGRESS_DROP=1 (needs nft) drops in0's frames at the
# netdev ingress hook in the lwt runs, after the AF_PACKET tap copied them, so the
# kernel's IP stack never sees them.
# Runs in about 80 s with the defaults.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10}
CASES=${CASES:-"ipv6-fwd encaps4 end"}
DUTS=${DUTS:-"kernel lwt"}
RPS=${RPS:-1}
RATE=${RATE:-} # empty: as fast as trafgen can; N: trafgen -t 1e9/N ns gap (cost at equal load)
LWT=${LWT:-$ROOT/target/release/lwt}
VERIFY_PKTS=10
GEN_CPU=0
DUT_CPU=1

if [ "$(id -u)" -ne 0 ]; then
    echo "bench-live: needs root (network namespaces, AF_PACKET): sudo $0" >&2
    exit 1
fi
if [ "$(nproc)" -lt 2 ]; then
    echo "bench-live: needs 2 CPUs (generator on CPU $GEN_CPU, DUT on CPU $DUT_CPU)" >&2
    exit 1
fi
for t in ip trafgen tshark ethtool taskset timeout; do
    if ! command -v "$t" >/dev/null 2>&1; then
        echo "bench-live: $t missing; running scripts/install-test-deps.sh" >&2
        "$ROOT/scripts/install-test-deps.sh"
        break
    fi
done

# ---------------------------------------------------------------------------------------
# Names, cleanup

TAG="lb$$"
NS_GEN="$TAG-gen"
NS_DUT="$TAG-dut"
NS_SINK="$TAG-sink"
WORK=$(mktemp -d /tmp/bench-live.XXXXXX)
MY_PIDS=()   # processes this script started in the background
CREATED_NS=()
WMEM_SAVED=""  # "wmem_default wmem_max" to restore on exit

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for pid in "${MY_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${MY_PIDS[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    for ns in "${CREATED_NS[@]}"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    if [ -n "$WMEM_SAVED" ]; then
        sysctl -qw net.core.wmem_default="${WMEM_SAVED% *}" net.core.wmem_max="${WMEM_SAVED#* }" || true
    fi
    if [ "${KEEP_LOGS:-0}" = 1 ]; then
        echo "bench-live: logs kept in $WORK" >&2
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench-live: interrupted" >&2; exit 130' INT TERM

forget_pid() {
    local keep=() p
    for p in "${MY_PIDS[@]}"; do
        [ "$p" = "$1" ] || keep+=("$p")
    done
    MY_PIDS=("${keep[@]}")
}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---------------------------------------------------------------------------------------
# Build

if [ "${NO_BUILD:-0}" != 1 ]; then
    echo "== building lwt (cargo build --release -p lwt)"
    if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
        sudo -u "$SUDO_USER" -H bash -lc "cd '$ROOT' && cargo build --release -p lwt"
    else
        (cd "$ROOT" && cargo build --release -p lwt)
    fi
fi
[ -x "$LWT" ] || { echo "bench-live: $LWT not found" >&2; exit 1; }

# trafgen's TX-ring socket: veth does not orphan the skb, so every frame sits in the
# socket's send buffer until the sink (or a drop) frees it; with the default 208 KiB a
# full backlog makes sendto() fail with EAGAIN and trafgen exits. trafgen cannot raise
# these global sysctls from inside a namespace, so it is done here and undone on exit.
WMEM_SAVED="$(sysctl -n net.core.wmem_default) $(sysctl -n net.core.wmem_max)"
sysctl -qw net.core.wmem_default=8388608
[ "${WMEM_SAVED#* }" -lt 8388608 ] && sysctl -qw net.core.wmem_max=8388608

# ---------------------------------------------------------------------------------------
# Addresses

GEN_MAC=02:00:00:00:01:01
IN_MAC=02:00:00:00:01:02
OUT_MAC=02:00:00:00:02:01
SINK_MAC=02:00:00:00:02:02

# Lines shared by the kernel and lwt (iproute2 syntax; sysctls applied with sysctl -w for
# the kernel and as `sysctl -w` lines for lwt).
COMMON_SYSCTL="net.ipv6.conf.all.forwarding=1
net.ipv4.ip_forward=1"
COMMON_LINES="addr add 10.1.0.2/24 dev in0
addr add 2001:db8:1::2/64 dev in0 nodad
addr add 2001:db8:2::1/64 dev out0 nodad
neigh add 10.1.0.1 lladdr $GEN_MAC dev in0
neigh add 2001:db8:1::1 lladdr $GEN_MAC dev in0
neigh add 2001:db8:2::2 lladdr $SINK_MAC dev out0
sr tunsrc set 2001:db8:2::1"

case_lines() {
    case $1 in
    ipv6-fwd) echo "-6 route add 2001:db8:99::/48 via 2001:db8:2::2 dev out0" ;;
    encaps4)
        echo "-6 route add fc00::/16 via 2001:db8:2::2 dev out0"
        echo "route add 10.99.0.0/16 encap seg6 mode encap segs fc00::1,fc00::2 dev out0"
        ;;
    end)
        echo "-6 route add fc00::/16 via 2001:db8:2::2 dev out0"
        echo "-6 route add fc00::100/128 encap seg6local action End dev in0"
        ;;
    esac
}

# What the sink must see (tshark display filter).
case_filter() {
    case $1 in
    ipv6-fwd) echo "eth.src == $OUT_MAC && ipv6.dst == 2001:db8:99::1 && ipv6.hlim == 63 && udp" ;;
    encaps4) echo "eth.src == $OUT_MAC && ipv6.dst == fc00::1 && ipv6.routing.segleft == 1 && ipv6.routing.srh.addr == fc00::2 && ipv6.hlim == 63 && ip.dst == 10.99.0.1 && udp" ;;
    end) echo "eth.src == $OUT_MAC && ipv6.dst == fc00::200 && ipv6.routing.segleft == 0 && ipv6.hlim == 63 && udp" ;;
    esac
}

# ---------------------------------------------------------------------------------------
# Packets (fixed frames with correct checksums, written as trafgen configs)

hexaddr6() { # compact IPv6 -> 32 hex digits
    local a=$1 head tail h t n i out=""
    if [[ $a == *::* ]]; then head=${a%%::*}; tail=${a##*::}; else head=$a; tail=""; fi
    local -a H=() T=()
    [ -n "$head" ] && IFS=: read -r -a H <<<"$head"
    [ -n "$tail" ] && IFS=: read -r -a T <<<"$tail"
    n=$((8 - ${#H[@]} - ${#T[@]}))
    for h in "${H[@]}"; do out+=$(printf %04x "0x$h"); done
    for ((i = 0; i < n; i++)); do out+=0000; done
    for t in "${T[@]}"; do out+=$(printf %04x "0x$t"); done
    echo "$out"
}
hexaddr4() { local IFS=.; set -- $1; printf %02x%02x%02x%02x "$1" "$2" "$3" "$4"; }
hexmac() { echo "${1//:/}"; }
sum16() { # ones' complement sum of hex strings (even length overall)
    local s=0 hex="$*" i
    hex=${hex// /}
    ((${#hex} % 4)) && hex+=00
    for ((i = 0; i < ${#hex}; i += 4)); do s=$((s + 0x${hex:i:4})); done
    while ((s >> 16)); do s=$(((s & 0xffff) + (s >> 16))); done
    echo "$s"
}
csum() { local s; s=$(sum16 "$@"); printf %04x $(((~s) & 0xffff)); }
udp6_csum() { # src dst udp-with-zero-csum
    local len=$((${#3} / 2)) c
    c=$(csum "$1" "$2" "$(printf %08x "$len")" 00000011 "$3")
    [ "$c" = 0000 ] && c=ffff
    echo "$c"
}
fill() { local i out=""; for ((i = 0; i < $1; i++)); do out+=$(printf %02x $((i & 0xff))); done; echo "$out"; }

frame_hex() {
    local eth payload udp c src dst
    eth="$(hexmac $IN_MAC)$(hexmac $GEN_MAC)"
    case $1 in
    ipv6-fwd) # 78 B: Eth + IPv6 + UDP + 16 B
        payload=$(fill 16)
        src=$(hexaddr6 2001:db8:1::1); dst=$(hexaddr6 2001:db8:99::1)
        udp="04000009$(printf %04x $((8 + 16)))0000$payload"
        c=$(udp6_csum "$src" "$dst" "$udp"); udp="${udp:0:12}$c${udp:16}"
        echo "${eth}86dd60000000$(printf %04x $((8 + 16)))1140$src$dst$udp"
        ;;
    encaps4) # 64 B: Eth + IPv4 + UDP + 22 B (144 B after H.Encaps)
        payload=$(fill 22)
        src=$(hexaddr4 10.1.0.1); dst=$(hexaddr4 10.99.0.1)
        local ip="4500$(printf %04x $((20 + 8 + 22)))000040004011""0000$src$dst"
        c=$(csum "$ip"); ip="${ip:0:20}$c${ip:24}"
        udp="04000009$(printf %04x $((8 + 22)))0000$payload"
        c=$(csum "$src" "$dst" 0011 "$(printf %04x $((8 + 22)))" "$udp"); [ "$c" = 0000 ] && c=ffff
        udp="${udp:0:12}$c${udp:16}"
        echo "${eth}0800$ip$udp"
        ;;
    end) # 118 B: Eth + IPv6 (DA fc00::100) + SRH [fc00::200, fc00::100] SL 1 + UDP + 16 B
        payload=$(fill 16)
        src=$(hexaddr6 2001:db8:1::1); dst=$(hexaddr6 fc00::100)
        local fin srh; fin=$(hexaddr6 fc00::200)
        srh="1104040101000000$fin$dst"
        udp="04000009$(printf %04x $((8 + 16)))0000$payload"
        c=$(udp6_csum "$src" "$fin" "$udp"); udp="${udp:0:12}$c${udp:16}"
        echo "${eth}86dd60000000$(printf %04x $((40 + 8 + 16)))2b40$src$dst$srh$udp"
        ;;
    esac
}

trafgen_cfg() { # hex -> "{ 0x.., 0x.., ... }"
    local hex=$1 i out="{"
    for ((i = 0; i < ${#hex}; i += 2)); do
        out+=" 0x${hex:i:2},"
    done
    echo "${out%,} }"
}

# ---------------------------------------------------------------------------------------
# Topology

make_topology() {
    local ns
    for ns in "$NS_GEN" "$NS_DUT" "$NS_SINK"; do
        ip netns add "$ns"
        CREATED_NS+=("$ns")
        in_ns "$ns" ip link set lo up
    done
    ip link add in0 address $IN_MAC netns "$NS_DUT" type veth peer name gen0 address $GEN_MAC netns "$NS_GEN"
    ip link add out0 address $OUT_MAC netns "$NS_DUT" type veth peer name sink0 address $SINK_MAC netns "$NS_SINK"
    # The generator and the sink carry no IP configuration: no RS/MLD/DAD noise towards
    # the DUT, and the sink discards frames at the protocol demux (counted before that).
    in_ns "$NS_GEN" sysctl -qw net.ipv6.conf.gen0.disable_ipv6=1
    in_ns "$NS_SINK" sysctl -qw net.ipv6.conf.sink0.disable_ipv6=1
    local pair
    for pair in "$NS_GEN:gen0" "$NS_DUT:in0" "$NS_DUT:out0" "$NS_SINK:sink0"; do
        ns=${pair%%:*}
        local dev=${pair#*:}
        in_ns "$ns" ethtool -K "$dev" rx off tx off gro off gso off tso off >/dev/null 2>&1 || true
        in_ns "$ns" ip link set "$dev" up
    done
    if [ "$RPS" = 1 ]; then
        in_ns "$NS_DUT" sh -c "echo $(printf %x $((1 << DUT_CPU))) > /sys/class/net/in0/queues/rx-0/rps_cpus"
        in_ns "$NS_SINK" sh -c "echo $(printf %x $((1 << GEN_CPU))) > /sys/class/net/sink0/queues/rx-0/rps_cpus"
    fi
}

destroy_topology() {
    local ns keep=()
    for ns in "$NS_GEN" "$NS_DUT" "$NS_SINK"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    for ns in "${CREATED_NS[@]}"; do
        case $ns in "$NS_GEN" | "$NS_DUT" | "$NS_SINK") ;; *) keep+=("$ns") ;; esac
    done
    CREATED_NS=("${keep[@]}")
    sleep 0.3 # let the netns teardown work finish off-CPU before the next measurement
}

# ---------------------------------------------------------------------------------------
# DUTs

DAEMON_PID=""
SOCK=""

start_kernel() { # case
    local kv
    while read -r kv; do in_ns "$NS_DUT" sysctl -qw "$kv"; done <<<"$COMMON_SYSCTL"
    { echo "$COMMON_LINES"; case_lines "$1"; } >"$WORK/kernel-$1.lines"
    # One `ip` command per line: `ip -batch` does not take `-6` inside the file.
    local line
    while read -r line; do
        # shellcheck disable=SC2086 # the line is split into ip's arguments on purpose
        in_ns "$NS_DUT" ip $line || { echo "bench-live: kernel refused: ip $line" >&2; return 1; }
    done <"$WORK/kernel-$1.lines"
}

start_lwt() { # case
    local conf="$WORK/lwt-$1.conf"
    SOCK="$WORK/lwt-$1.sock"
    # The kernel of the DUT namespace must not forward in parallel with lwt.
    in_ns "$NS_DUT" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
    {
        echo "link add in0 type port"
        echo "link add out0 type port"
        echo "link set in0 up"
        echo "link set out0 up"
        sed 's/^/sysctl -w /' <<<"$COMMON_SYSCTL"
        echo "$COMMON_LINES"
        case_lines "$1"
    } >"$conf"
    # Not through in_ns: $! must be the daemon itself (ip netns exec and taskset exec).
    ip netns exec "$NS_DUT" taskset -c "$DUT_CPU" "$LWT" daemon --config "$conf" --socket "$SOCK" \
        >"$WORK/lwt-$1.log" 2>&1 &
    DAEMON_PID=$!
    MY_PIDS+=("$DAEMON_PID")
    if [ "${LWT_INGRESS_DROP:-0}" = 1 ]; then
        # Diagnostic only (not what lwt does): drop in0's frames at ingress, i.e. after
        # the AF_PACKET tap has copied them, so the kernel's IP stack never sees them.
        # (netfilter's netdev ingress hook runs after the packet taps; needs nft.)
        in_ns "$NS_DUT" nft -f - <<'NFT' || { echo "bench-live: LWT_INGRESS_DROP needs nft (nftables)" >&2; return 1; }
table netdev benchdrop {
    chain in0 { type filter hook ingress device "in0" priority 0; policy drop; }
}
NFT
    fi
    local i
    for i in $(seq 50); do
        if "$LWT" --socket "$SOCK" stats >/dev/null 2>&1; then return 0; fi
        kill -0 "$DAEMON_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "bench-live: lwt daemon did not come up:" >&2
    cat "$WORK/lwt-$1.log" >&2
    return 1
}

stop_lwt() {
    [ -n "$DAEMON_PID" ] || return 0
    kill -INT "$DAEMON_PID" 2>/dev/null || true
    local i
    for i in $(seq 30); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
    forget_pid "$DAEMON_PID"
    DAEMON_PID=""
}

# ---------------------------------------------------------------------------------------
# Counters

stat_of() { in_ns "$1" cat "/sys/class/net/$2/statistics/$3"; }
cpu_line() { awk -v c="cpu$1" '$1 == c { print $2, $3, $4, $5, $6, $7, $8, $9 }' /proc/stat; }
proc_times() { awk '{ print $14 + $15, $14 }' "/proc/$1/stat" 2>/dev/null || echo 0 0; }
softnet_drops() { # per-CPU backlog drops (2nd column, hex), "cpu0 cpu1 ..."
    local _ dropped _rest
    while read -r _ dropped _rest; do printf '%d ' "$((16#$dropped))"; done </proc/net/softnet_stat
}
HZ=$(getconf CLK_TCK)
lwt_in0_rx() { "$LWT" --socket "$SOCK" stats 2>/dev/null | awk '$1 == "in0" { print $2; f = 1 } END { if (!f) print 0 }'; }

run_trafgen() { # cfg, count (0 = until timeout), timeout seconds[, rate pps]
    local args=(-i "$1" -o gen0 -P 1 -Q -C --no-sock-mem)
    [ "$2" -gt 0 ] && args+=(-n "$2")
    # -b sends a second's worth in one burst; -t paces each packet (sendto per packet).
    [ -n "${4:-}" ] && args+=(-t "$((1000000000 / $4))ns")
    # In the background and waited for, so that Ctrl-C runs the trap at once (bash
    # defers traps until a foreground command ends).
    ip netns exec "$NS_GEN" timeout -s INT -k 3 "$3" taskset -c "$GEN_CPU" trafgen "${args[@]}" \
        >>"$WORK/trafgen.log" 2>&1 &
    local pid=$!
    MY_PIDS+=("$pid")
    wait "$pid" || true
    forget_pid "$pid"
}

verify() { # dut case cfg -> 0 if the sink receives the expected packets
    local dut=$1 cs=$2 cfg=$3 pcap="$WORK/verify-$dut-$cs.pcap" err="$WORK/verify-$dut-$cs.err"
    local rx0 rx1 pid i n
    rx0=$(stat_of "$NS_SINK" sink0 rx_packets)
    ip netns exec "$NS_SINK" tshark -i sink0 -f "ether dst $SINK_MAC" -c "$VERIFY_PKTS" -a duration:8 \
        -w "$pcap" >/dev/null 2>"$err" &
    pid=$!
    MY_PIDS+=("$pid")
    for i in $(seq 80); do
        grep -q "Capturing on" "$err" 2>/dev/null && break
        sleep 0.1
    done
    sleep 0.2
    run_trafgen "$cfg" "$VERIFY_PKTS" 5
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
    rx1=$(stat_of "$NS_SINK" sink0 rx_packets)
    n=$(tshark -r "$pcap" -Y "$(case_filter "$cs")" 2>/dev/null | wc -l)
    if [ "$n" -lt "$VERIFY_PKTS" ]; then
        echo "   ABORT $cs/$dut: the DUT does not forward as expected: sent $VERIFY_PKTS," \
            "sink counted $((rx1 - rx0)), $n matched \`$(case_filter "$cs")\`" >&2
        tshark -r "$pcap" 2>/dev/null | head -5 | sed 's/^/     sink saw: /' >&2
        return 1
    fi
    echo "   verified: $n/$VERIFY_PKTS sent packets arrived at the sink as expected"
}

# ---------------------------------------------------------------------------------------
# Main

RESULTS="$WORK/results"
: >"$RESULTS"

cpu_busy_ticks() { # "user nice system idle iowait irq softirq steal" -> busy
    local a=($1)
    echo $((a[0] + a[1] + a[2] + a[5] + a[6]))
}
background_load() { # busy % of the 2 CPUs (average, 0-100) over 1 s
    local b a
    b=$(($(cpu_busy_ticks "$(cpu_line $GEN_CPU)") + $(cpu_busy_ticks "$(cpu_line $DUT_CPU)")))
    sleep 1
    a=$(($(cpu_busy_ticks "$(cpu_line $GEN_CPU)") + $(cpu_busy_ticks "$(cpu_line $DUT_CPU)")))
    echo $(((a - b) * 100 / HZ / 2))
}

echo "== bench-live: $(date -u +%FT%TZ), kernel $(uname -r), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) vCPUs"
echo "   trafgen on CPU $GEN_CPU; DUT on CPU $DUT_CPU; RPS=$RPS; ${DURATION}s per case; rate ${RATE:-max}; lwt: $LWT"


for cs in $CASES; do
    hex=$(frame_hex "$cs")
    cfg="$WORK/$cs.trafgen"
    trafgen_cfg "$hex" >"$cfg"
    for dut in $DUTS; do
        echo "== $cs / $dut (frame $((${#hex} / 2)) B)"
        make_topology
        ok=1
        if [ "$dut" = kernel ]; then
            start_kernel "$cs" || ok=0
        else
            start_lwt "$cs" || ok=0
        fi
        if [ $ok = 1 ] && ! verify "$dut" "$cs" "$cfg"; then ok=0; fi
        if [ $ok = 0 ]; then
            [ "$dut" = lwt ] && { "$LWT" --socket "$SOCK" stats 2>&1 | sed 's/^/     /' >&2 || true; }
            echo "$cs $dut ABORTED" >>"$RESULTS"
            stop_lwt
            destroy_topology
            continue
        fi
        # Other work on these 2 vCPUs skews everything: wait (bounded) for a quiet moment.
        bg=$(background_load)
        waited=0
        while [ "$bg" -gt 10 ] && [ "$waited" -lt "${WAIT_IDLE:-30}" ]; do
            sleep 2; waited=$((waited + 3)); bg=$(background_load)
        done
        [ "$bg" -gt 10 ] && echo "   WARNING: ${bg}% background CPU load before this run; its numbers are skewed" >&2
        # Before
        g_tx0=$(stat_of "$NS_GEN" gen0 tx_packets); g_dr0=$(stat_of "$NS_GEN" gen0 tx_dropped)
        s_rx0=$(stat_of "$NS_SINK" sink0 rx_packets); o_dr0=$(stat_of "$NS_DUT" out0 tx_dropped)
        sn0=($(softnet_drops))
        c0=$(cpu_line $DUT_CPU); cg0=$(cpu_line $GEN_CPU)
        p0=0; u0=0; l_rx0=0
        if [ "$dut" = lwt ]; then
            read -r p0 u0 <<<"$(proc_times "$DAEMON_PID")"
            l_rx0=$(lwt_in0_rx)
        fi
        perf_pid=""
        if [ "${PERF:-0}" = 1 ]; then
            perf record -q -g -C "$DUT_CPU" -o "$WORK/perf-$cs-$dut.data" -- sleep "$DURATION" \
                >/dev/null 2>&1 &
            perf_pid=$!
            MY_PIDS+=("$perf_pid")
        fi
        t0=$(date +%s%N)
        run_trafgen "$cfg" $((DURATION * 5000000)) "$DURATION" "$RATE"
        t1=$(date +%s%N)
        sleep 0.2 # let queued packets drain out of the DUT
        # After
        c1=$(cpu_line $DUT_CPU); cg1=$(cpu_line $GEN_CPU)
        p1=0; u1=0; [ "$dut" = lwt ] && read -r p1 u1 <<<"$(proc_times "$DAEMON_PID")"
        g_tx1=$(stat_of "$NS_GEN" gen0 tx_packets); g_dr1=$(stat_of "$NS_GEN" gen0 tx_dropped)
        s_rx1=$(stat_of "$NS_SINK" sink0 rx_packets); o_dr1=$(stat_of "$NS_DUT" out0 tx_dropped)
        sn1=($(softnet_drops))
        l_rx1=0
        if [ "$dut" = lwt ]; then
            "$LWT" --socket "$SOCK" stats >"$WORK/stats-$cs.txt" 2>&1 || true
            l_rx1=$(lwt_in0_rx)
        fi
        if [ -n "$perf_pid" ]; then
            wait "$perf_pid" 2>/dev/null || true
            forget_pid "$perf_pid"
            echo "   perf (CPU $DUT_CPU, top symbols by self time; $WORK/perf-$cs-$dut.data):"
            perf report -i "$WORK/perf-$cs-$dut.data" --no-children --sort comm,sym --stdio 2>/dev/null |
                grep -E '^ +[0-9]' | head -25 | sed 's/^/     /' || true
        fi
        wall_ns=$((t1 - t0))
        offered=$((g_tx1 + g_dr1 - g_tx0 - g_dr0))
        gen_dropped=$((g_dr1 - g_dr0))
        fwd=$((s_rx1 - s_rx0))
        sink_drops=$((o_dr1 - o_dr0))
        x0=($c0); x1=($c1); y0=($cg0); y1=($cg1)
        busy=$(($(cpu_busy_ticks "$c1") - $(cpu_busy_ticks "$c0")))
        soft=$((x1[6] - x0[6]))
        idle=$((x1[3] - x0[3]))
        steal=$((x1[7] - x0[7]))
        gbusy=$(($(cpu_busy_ticks "$cg1") - $(cpu_busy_ticks "$cg0")))
        ptime=$((p1 - p0))
        # Contamination check: user time on the DUT CPU that is not the daemon's (the
        # kernel DUT runs no user code there) belongs to someone else.
        foreign=$(((x1[0] + x1[1] - x0[0] - x0[1] - (u1 - u0)) * 100 / (busy + idle + steal + 1)))
        [ "$foreign" -lt 0 ] && foreign=0
        # ticks -> ns: ticks * 1e9 / HZ
        read -r opps fpps busy_ns soft_ns proc_ns idle_pct gen_pct <<<"$(awk -v o=$offered -v f=$fwd \
            -v w=$wall_ns -v b=$busy -v s=$soft -v p=$ptime -v hz=$HZ -v i=$idle -v st=$steal -v gb=$gbusy \
            -v gi=$((y1[3] - y0[3])) -v gs=$((y1[7] - y0[7])) '
            BEGIN {
                t = b + i + st; if (t == 0) t = 1
                gt = gb + gi + gs; if (gt == 0) gt = 1
                printf "%d %d %.0f %.0f %.0f %.0f %.0f\n", o * 1e9 / w, f * 1e9 / w,
                    f ? b * 1e9 / hz / f : 0, f ? s * 1e9 / hz / f : 0, f ? p * 1e9 / hz / f : 0,
                    100 * i / t, 100 * gb / gt }')"
        echo "   offered $opps pps, forwarded $fpps pps ($fwd pkts in $((wall_ns / 1000000)) ms)"
        echo "   DUT CPU $DUT_CPU: busy $busy_ns ns/pkt (softirq $soft_ns), idle ${idle_pct}%; lwt process $proc_ns ns/pkt; CPU $GEN_CPU busy ${gen_pct}%"
        if [ "$foreign" -gt 5 ]; then
            echo "   WARNING: ${foreign}% of CPU $DUT_CPU went to other processes' user code during the run; skewed" >&2
        fi
        echo "   drops: gen0->in0 backlog $gen_dropped, out0->sink0 backlog $sink_drops, softnet cpu0 $((sn1[0] - sn0[0])) cpu1 $((sn1[1] - sn0[1]))"
        if [ "$dut" = lwt ]; then
            # The daemon does not report its ports' PACKET_STATISTICS, so frames lost in
            # the AF_PACKET RX ring are inferred: accepted by in0 minus read by lwt.
            echo "   lwt: read from the in0 ring $((l_rx1 - l_rx0)); lost in the RX ring (inferred)" \
                "$((g_tx1 - g_tx0 - (l_rx1 - l_rx0)))"
        fi
        if [ "$dut" = lwt ] && [ "$fwd" -lt $((offered * 9 / 10)) ]; then
            echo "   lwt forwarded < 90% of the offered load; \`lwt stats\` after the run:"
            head -30 "$WORK/stats-$cs.txt" | sed 's/^/     /'
        fi
        echo "$cs $dut $opps $fpps $busy_ns $soft_ns $proc_ns $idle_pct $bg $foreign" >>"$RESULTS"
        stop_lwt
        destroy_topology
    done
done

# ---------------------------------------------------------------------------------------
# Summary

echo
echo "== Summary (${DURATION}s per case; pps = packets per second; ns/pkt = CPU-ns per forwarded packet)"
printf '%-9s | %-6s | %11s | %11s | %14s | %s\n' case DUT "offered pps" "fwd pps" "DUT CPU ns/pkt" "component ns/pkt"
printf '%s\n' "----------|--------|-------------|-------------|----------------|------------------------------"
while read -r cs dut opps fpps busy soft proc idle bg foreign; do
    if [ "$opps" = ABORTED ]; then
        printf '%-9s | %-6s | %s\n' "$cs" "$dut" "ABORTED (DUT did not forward; see above)"
        continue
    fi
    if [ "$dut" = lwt ]; then comp="daemon utime+stime $proc"; else comp="softirq $soft"; fi
    printf '%-9s | %-6s | %11s | %11s | %14s | %s (cpu%s idle %s%%; others: %s%% before, %s%% during)\n' \
        "$cs" "$dut" "$opps" "$fpps" "$busy" "$comp" "$DUT_CPU" "$idle" "$bg" "$foreign"
done <"$RESULTS"
echo
echo "Ratios lwt / kernel (forwarded pps; DUT CPU ns/pkt; lwt daemon ns/pkt vs kernel softirq ns/pkt):"
for cs in $CASES; do
    k=$(awk -v c="$cs" '$1 == c && $2 == "kernel" && $3 != "ABORTED"' "$RESULTS")
    l=$(awk -v c="$cs" '$1 == c && $2 == "lwt" && $3 != "ABORTED"' "$RESULTS")
    if [ -z "$k" ] || [ -z "$l" ]; then
        echo "  $cs: n/a (a run was aborted or not selected)"
        continue
    fi
    awk -v k="$k" -v l="$l" -v c="$cs" 'BEGIN {
        split(k, K, " "); split(l, L, " ")
        printf "  %-9s pps %.2fx   DUT-CPU ns/pkt %.2fx   daemon/softirq ns/pkt %.2fx\n", c,
            (K[4] ? L[4] / K[4] : 0), (K[5] ? L[5] / K[5] : 0), (K[6] ? L[7] / K[6] : 0) }'
done
cat <<EOF

Method and caveats:
 - offered = gen0 tx_packets + tx_dropped (everything trafgen pushed, including what the
   veth could not queue to in0's backlog); forwarded = sink0 rx_packets delta (what the
   DUT transmitted into the sink), both divided by trafgen's wall time.
 - DUT CPU ns/pkt = non-idle time (user+nice+system+irq+softirq) of CPU $DUT_CPU from
   /proc/stat over the run, divided by forwarded packets. With RPS, CPU $DUT_CPU runs all of
   in0's receive processing: for the kernel the whole forwarding path (softirq), for lwt the
   daemon plus the AF_PACKET RX copy and the kernel's own discard of each frame (softirq).
   This is the like-for-like number. "softirq" (kernel, /proc/stat) and "daemon
   utime+stime" (lwt, /proc/PID/stat) are components, not comparable with each other:
   softirq work that runs in the daemon's context (in0's receive backlog, processed when
   its sendto() re-enables bottom halves) is charged to the daemon, the rest (ksoftirqd,
   after IPIs) is not.
 - lwt's frames lost in its AF_PACKET RX ring are inferred (in0 accepted minus read by
   lwt): the daemon does not report PACKET_STATISTICS, so `lwt stats` shows 0 drops.
   ns/pkt divides by *forwarded* packets: when most offered frames are dropped in the
   ring, their receive cost is still paid on CPU 1 and inflates lwt's number.
 - This kernel uses tick-based CPU accounting (CONFIG_TICK_CPU_ACCOUNTING, no
   IRQ_TIME_ACCOUNTING, HZ=$(zcat /proc/config.gz 2>/dev/null | sed -n 's/^CONFIG_HZ=//p')):
   each tick is charged whole to what it interrupted, so softirq time is sampled, softirq run
   while the daemon is on-CPU is charged to the daemon's stime too, and short runs have a
   few % of sampling error. If CPU $DUT_CPU is not saturated (idle > 0), ns/pkt still
   measures cost, but pps measures the generator, not the DUT.
 - Generator, DUT and sink share 2 vCPUs of a VM: trafgen and the sink's receive softirq
   share CPU $GEN_CPU, so offered load is bounded by that CPU, and hypervisor steal applies.
EOF
