#!/usr/bin/env bash
# Wake error of Genlock's POSIX deadline timers against cyclictest (rt-tests), in one run, under
# the same conditions: the same interval, loop count, SCHED_FIFO priority, CPU, mlockall and
# /dev/cpu_dma_latency request. Prints p50/p99/max (µs) of each and the ratio of p99s
# (ours / cyclictest) at 1 kHz and at 30 Hz, as a markdown table. Goal: ratio <= 1.1.
#
# Usage: Benchmarks/timers-vs-cyclictest.sh            (from anywhere)
# Environment (all optional):
#   PRIORITY=80      SCHED_FIFO priority for both (dropped, with a note, where not permitted;
#                    PRIORITY= (empty) measures both on the default scheduler)
#   CPU=             pin both measuring threads to this CPU (cyclictest -a, timer-wake --cpu)
#   LOOPS_1KHZ=10000 wakes at 1 kHz (10 s per tool)
#   LOOPS_30HZ=300   wakes at 30 Hz (10 s per tool; the 30 Hz part takes about 30 s)
#   ROUNDS=10        loops are split into this many interleaved rounds (tool order rotating)
#   HIST_MAX_US=50000 histogram range; a percentile beyond it prints as ">N"
#   TIMER_WAKE=      a timer-wake binary to use instead of building one
#
# cyclictest reports whole microseconds (the ns difference truncated). timer-wake prints the
# same histogram format with the same truncation, and one awk computes every percentile, so the
# figures compare like for like. timer-wake's own ns-precision summaries go to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PRIORITY="${PRIORITY-80}"
CPU="${CPU:-}"
LOOPS_1KHZ="${LOOPS_1KHZ:-10000}"
LOOPS_30HZ="${LOOPS_30HZ:-300}"
HIST_MAX_US="${HIST_MAX_US:-50000}"
ROUNDS="${ROUNDS:-10}"

die() { echo "timers-vs-cyclictest: $*" >&2; exit 1; }
note() { echo "note: $*" >&2; }

for v in LOOPS_1KHZ LOOPS_30HZ HIST_MAX_US ROUNDS; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ -z "$PRIORITY" || "$PRIORITY" =~ ^([1-9]|[1-9][0-9])$ ]] || die "PRIORITY must be 1-99 or empty (got '$PRIORITY')"
[[ -z "$CPU" || "$CPU" =~ ^[0-9]+$ ]] || die "CPU must be a CPU number or empty (got '$CPU')"
command -v cyclictest >/dev/null || die "cyclictest not found: install Debian's rt-tests (make deps)"

if [[ -n "${TIMER_WAKE:-}" ]]; then
    timer_wake="$TIMER_WAKE"
else
    echo "Building timer-wake (release)..." >&2
    swift build --package-path "$here" -c release --product timer-wake >&2 \
        || die "swift build of timer-wake failed"
    timer_wake="$(swift build --package-path "$here" -c release --show-bin-path)/timer-wake"
fi
[[ -x "$timer_wake" ]] || die "timer-wake not found at $timer_wake"

# Conditions: use everything cyclictest would use, where this process is allowed to.
cpu_args_ours=(); cpu_args_ct=()
if [[ -n "$CPU" ]]; then cpu_args_ours=(--cpu "$CPU"); cpu_args_ct=(-a "$CPU"); fi
rt_ours=(); rt_ct=()
if [[ -n "$PRIORITY" ]] && "$timer_wake" --loops 1 --priority "$PRIORITY" --mlock "${cpu_args_ours[@]}" >/dev/null 2>&1; then
    rt_ours=(--priority "$PRIORITY" --mlock); rt_ct=(-p "$PRIORITY" -m)
    conditions="SCHED_FIFO $PRIORITY, mlockall"
elif "$timer_wake" --loops 1 --mlock "${cpu_args_ours[@]}" >/dev/null 2>&1; then
    if [[ -n "$PRIORITY" ]]; then
        note "SCHED_FIFO $PRIORITY not permitted here (needs root, CAP_SYS_NICE or an rtprio limit): both run on the default scheduler"
    fi
    rt_ours=(--mlock); rt_ct=(-m)
    conditions="default scheduler, mlockall"
else
    note "neither SCHED_FIFO nor mlockall permitted here: both run on the default scheduler without locked memory"
    conditions="default scheduler"
fi
# cyclictest holds a 0 µs /dev/cpu_dma_latency request unless told --default-system; it keeps
# idle CPUs out of deep C-states, which dominates wake latency on many machines. Both hold it,
# or neither does.
if [[ -w /dev/cpu_dma_latency ]]; then
    lat_ours=(--cpu-latency-us 0); lat_ct=()
    conditions="$conditions, cpu_dma_latency 0"
else
    note "/dev/cpu_dma_latency not writable (needs root): neither tool holds a CPU latency request"
    lat_ours=(); lat_ct=(--default-system)
fi
[[ -n "$CPU" ]] && conditions="$conditions, CPU $CPU"

# cyclictest (2.x) refuses to start at all where it may not change scheduling policy, whatever
# the options; then only our timers are measured.
tools=(cyclictest nanosleep timerfd)
if ! probe="$(cyclictest -q -t1 -i 1000 -l 1 "${rt_ct[@]}" "${lat_ct[@]}" "${cpu_args_ct[@]}" 2>&1 >/dev/null)"; then
    note "cyclictest cannot run here ($(head -n1 <<<"$probe")): measuring Genlock's timers only, no ratios"
    tools=(nanosleep timerfd)
fi

# Prints "p50 p99 max" (whole µs) from cyclictest-format histograms (several runs concatenated:
# buckets and overflows add up, the max is the largest), nearest rank over all samples including
# overflows. timer-wake --histogram-us prints the same format, so both tools go through this one
# computation.
histogram_stats() {
    awk -v histmax="$HIST_MAX_US" '
        /^[0-9]+[ \t]+[0-9]+/ { b[$1 + 0] += $2; n += $2 }
        /^# Histogram Overflows:/ { ov += $4 }
        /^# Max Latencies:/ { if ($4 + 0 > mx) mx = $4 + 0 }
        END {
            total = n + ov
            if (total == 0) { print "error"; exit }
            r50 = int((total * 50 + 99) / 100); r99 = int((total * 99 + 99) / 100)
            c = 0; p50 = ">" histmax; p99 = ">" histmax; f50 = 0; f99 = 0
            for (i = 0; i < histmax; i++) if (i in b) {
                c += b[i]
                if (!f50 && c >= r50) { p50 = i; f50 = 1 }
                if (!f99 && c >= r99) { p99 = i; f99 = 1 }
            }
            print p50, p99, mx + 0, total
        }'
}

run_tool() { # tool interval_us loops >> the tool's histogram file
    local tool="$1" interval="$2" loops="$3"
    case "$tool" in
        cyclictest)
            cyclictest -q -t1 -i "$interval" -l "$loops" -h "$HIST_MAX_US" \
                "${rt_ct[@]}" "${lat_ct[@]}" "${cpu_args_ct[@]}" 2>/dev/null >>"$work/$tool" \
                || die "cyclictest -i $interval -l $loops failed" ;;
        *)
            "$timer_wake" --timer "$tool" --interval-us "$interval" --loops "$loops" --histogram-us "$HIST_MAX_US" \
                "${rt_ours[@]}" "${lat_ours[@]}" "${cpu_args_ours[@]}" >>"$work/$tool" \
                || die "timer-wake --timer $tool failed" ;;
    esac
}

# ratio ours_p99 ct_p99 (both whole µs)
ratio() {
    awk -v o="$1" -v c="$2" 'BEGIN { if (o ~ /^[>n]/ || c ~ /^[>n]/ || c + 0 == 0) { print "n/a"; exit } printf "%.2f", o / c }'
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rows=()
measure() { # label interval_us loops
    local label="$1" interval="$2" loops="$3" per=$(( ($3 + ROUNDS - 1) / ROUNDS )) round i tool
    echo "== $label: interval $interval us, $ROUNDS rounds of $per loops per tool, $conditions" >&2
    rm -f "$work"/*
    # Interleaved rounds, rotating which tool goes first, so that background load drifting during
    # the run falls on all three alike.
    for (( round = 0; round < ROUNDS; round++ )); do
        for (( i = 0; i < ${#tools[@]}; i++ )); do
            tool="${tools[$(( (i + round) % ${#tools[@]} ))]}"
            run_tool "$tool" "$interval" "$per"
        done
    done
    if [[ -f "$work/cyclictest" ]]; then
        read -r c50 c99 cmax cn <<<"$(histogram_stats <"$work/cyclictest")"
    else
        c50="n/a"; c99="n/a"; cmax="n/a"; cn=0
    fi
    read -r n50 n99 nmax nn <<<"$(histogram_stats <"$work/nanosleep")"
    read -r t50 t99 tmax tn <<<"$(histogram_stats <"$work/timerfd")"
    grep -h '^timer-wake ' "$work/nanosleep" "$work/timerfd" >&2
    rows+=("| $label | cyclictest (clock_nanosleep) | $cn | $c50 | $c99 | $cmax | |")
    rows+=("| $label | Genlock NanosleepDeadlineTimer | $nn | $n50 | $n99 | $nmax | $(ratio "$n99" "$c99") |")
    rows+=("| $label | Genlock TimerfdDeadlineTimer | $tn | $t50 | $t99 | $tmax | $(ratio "$t99" "$c99") |")
}

# CPU time of the whole machine: "busy steal total" jiffies so far, from /proc/stat's cpu line.
cpu_jiffies() { awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8; print busy, $9, busy + $5 + $6 + $9 }' /proc/stat; }
read -r busy0 steal0 total0 <<<"$(cpu_jiffies)"
load0="$(cut -d' ' -f1 /proc/loadavg)"

measure "1 kHz" 1000 "$LOOPS_1KHZ"
measure "30 Hz" 33333 "$LOOPS_30HZ"

echo
read -r busy1 steal1 total1 <<<"$(cpu_jiffies)"
busy_pct=$(( 100 * (busy1 - busy0) / (total1 - total0 > 0 ? total1 - total0 : 1) ))
steal_pct=$(( 100 * (steal1 - steal0) / (total1 - total0 > 0 ? total1 - total0 : 1) ))
echo "Wake error (µs), $conditions; $(uname -sr), $(nproc) CPUs; during the run: load average" \
     "$load0 to $(cut -d' ' -f1 /proc/loadavg), CPUs ${busy_pct}% busy, ${steal_pct}% stolen by the host"
echo
echo "| Rate | Timer | wakes | p50 µs | p99 µs | max µs | p99 ours/cyclictest |"
echo "|---|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
