#!/usr/bin/env bash
# HIL analyzer throughput against decoding alone, in one run, on the same files:
# `genlock hil analyze SESSION --threads N` (decode every camera's video, reduce each frame to row
# profiles, estimate, report) against `ffmpeg -threads N -i camN.mkv -f null -` for every camera in
# turn, with the same decoder thread count, for each N in THREADS.
#
#   Benchmarks/analyzer-vs-ffmpeg.sh                       # x264, 1280x720, 3 cameras x 300 frames
#   CODEC=ffv1 FRAMES=150 Benchmarks/analyzer-vs-ffmpeg.sh
#   THREADS=1 Benchmarks/analyzer-vs-ffmpeg.sh              # single-threaded figure only
#
# THREADS (default "1 0"): 1 decodes on one thread on both sides, so the ratio is the analysis's
# own cost; 0 is one thread per core on both sides (FFmpeg's "auto", the CLI's and the analyzer's
# default). With more than one thread the analyzer decodes the cameras side by side, each on its
# own thread (hil/ANALYZER.md, Performance), while the ffmpeg CLI decodes one file at a time; so
# for N != 1 a second reference decodes every file at once with `ffmpeg -threads 1` each (what the
# analyzer does with 3 cameras on 2 cores), and both ratios are printed. Each side runs RUNS
# times, alternating, and the best wall and CPU (user + sys) times are compared. Goal: the
# analyzer takes at most 1.25x the decode-only time.
# SCRATCH: the build folder (swift build --scratch-path), .build by default.
set -euo pipefail
cd "$(dirname "$0")/.."

CODEC=${CODEC:-x264}
SIZE=${SIZE:-1280x720}
FRAMES=${FRAMES:-300}
RUNS=${RUNS:-4}
THREADS=${THREADS:-1 0}
SCRATCH=${SCRATCH:-.build}

swift build -c release --product genlock --scratch-path "$SCRATCH" >/dev/null
GENLOCK=$SCRATCH/release/genlock

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$GENLOCK" hil synth Benchmarks/hil-bench.yaml --out "$work" --session s --frames "$FRAMES" --size "$SIZE" --codec "$CODEC" >/dev/null
session="$work/s"
cat "$session"/*.mkv >/dev/null   # warm the page cache
frames=$(( FRAMES * $(ls "$session"/*.mkv | wc -l) ))

now() { date +%s%N; }
cpu_ms() { awk '{ printf "%d", ($1 + $2) * 1000 }' "$work/time"; }
run_ffmpeg() {
  local t0; t0=$(now)
  /usr/bin/time -f "%U %S" -o "$work/time" bash -c 'for f in "$1"/*.mkv; do ffmpeg -v error -threads "$2" -i "$f" -f null - || exit 1; done' _ "$session" "$1"
  ff=$(( ($(now) - t0) / 1000000 )); ffcpu=$(cpu_ms)
}
run_ffmpeg_side_by_side() {
  local t0; t0=$(now)
  /usr/bin/time -f "%U %S" -o "$work/time" bash -c 'for f in "$1"/*.mkv; do ffmpeg -v error -threads 1 -i "$f" -f null - & done; for j in $(jobs -p); do wait "$j" || exit 1; done' _ "$session"
  fs=$(( ($(now) - t0) / 1000000 )); fscpu=$(cpu_ms)
}
run_genlock() {
  local t0; t0=$(now)
  /usr/bin/time -f "%U %S" -o "$work/time" "$GENLOCK" hil analyze "$session" --threads "$1" >"$work/analysis.txt"
  gl=$(( ($(now) - t0) / 1000000 )); glcpu=$(cpu_ms)
}
best() { if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi; }
summary=""
for threads in $THREADS; do
  bf=""; bg=""; bfc=""; bgc=""; bs=""; bsc=""
  for i in $(seq 1 "$RUNS"); do
    if [ $((i % 2)) -eq 1 ]; then run_ffmpeg "$threads"; run_genlock "$threads"; else run_genlock "$threads"; run_ffmpeg "$threads"; fi
    side=""
    if [ "$threads" != 1 ]; then
      run_ffmpeg_side_by_side; bs=$(best "$bs" "$fs"); bsc=$(best "$bsc" "$fscpu")
      side=", decode-only side by side ${fs} ms (cpu ${fscpu})"
    fi
    echo "threads $threads run $i: decode-only ${ff} ms (cpu ${ffcpu}), analyze ${gl} ms (cpu ${glcpu})${side} [load $(cut -d' ' -f1 /proc/loadavg)]"
    bf=$(best "$bf" "$ff"); bg=$(best "$bg" "$gl"); bfc=$(best "$bfc" "$ffcpu"); bgc=$(best "$bgc" "$glcpu")
  done
  summary+=$(awk -v f="$bf" -v g="$bg" -v fc="$bfc" -v gc="$bgc" -v n="$frames" -v c="$CODEC" -v s="$SIZE" -v t="$threads" 'BEGIN {
    printf "%s %s, %d frames, threads %s: decode-only best %d ms (%.0f fps), analyze best %d ms (%.0f fps); ratio wall %.2f, cpu %.2f (goal <= 1.25)\n",
      c, s, n, (t == 0 ? "0 (one per core)" : t), f, n * 1000 / f, g, n * 1000 / g, g / f, gc / fc }')$'\n'
  if [ -n "$bs" ]; then
    summary+=$(awk -v f="$bs" -v g="$bg" -v fc="$bsc" -v gc="$bgc" -v n="$frames" -v t="$threads" 'BEGIN {
      printf "  against decode-only with the files side by side (ffmpeg -threads 1 each, all at once): best %d ms (%.0f fps); ratio wall %.2f, cpu %.2f (goal <= 1.25)\n",
        f, n * 1000 / f, g / f, gc / fc }')$'\n'
  fi
done
echo "analysis:"; sed 's/^/  /' "$work/analysis.txt"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
printf '%s' "$summary"
