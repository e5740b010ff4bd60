#!/usr/bin/env bash
# HIL analyzer throughput against decoding alone, in one run, on the same files:
# `genlock hil analyze SESSION` (decode every camera's video, reduce each frame to row profiles,
# estimate, report) against `ffmpeg -threads 1 -i camN.mkv -f null -` for every camera in turn.
#
#   Benchmarks/analyzer-vs-ffmpeg.sh                       # x264, 1280x720, 3 cameras x 300 frames
#   CODEC=ffv1 FRAMES=150 Benchmarks/analyzer-vs-ffmpeg.sh
#
# Both sides decode with one thread (the analyzer's RecordingReader uses libavcodec's default of
# one; ffmpeg is told -threads 1), so the ratio is the analysis's own cost. Each side runs RUNS
# times, alternating, and the best wall and CPU (user + sys) times are compared. Goal: the
# analyzer takes at most 1.25x the decode-only time.
set -euo pipefail
cd "$(dirname "$0")/.."

CODEC=${CODEC:-x264}
SIZE=${SIZE:-1280x720}
FRAMES=${FRAMES:-300}
RUNS=${RUNS:-4}

swift build -c release --product genlock >/dev/null
GENLOCK=.build/release/genlock

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$GENLOCK" hil synth Benchmarks/hil-bench.yaml --out "$work" --session s --frames "$FRAMES" --size "$SIZE" --codec "$CODEC" >/dev/null
session="$work/s"
cat "$session"/*.mkv >/dev/null   # warm the page cache

now() { date +%s%N; }
cpu_ms() { awk '{ printf "%d", ($1 + $2) * 1000 }' "$work/time"; }
run_ffmpeg() {
  local t0; t0=$(now)
  /usr/bin/time -f "%U %S" -o "$work/time" bash -c 'for f in "$1"/*.mkv; do ffmpeg -v error -threads 1 -i "$f" -f null - || exit 1; done' _ "$session"
  ff=$(( ($(now) - t0) / 1000000 )); ffcpu=$(cpu_ms)
}
run_genlock() {
  local t0; t0=$(now)
  /usr/bin/time -f "%U %S" -o "$work/time" "$GENLOCK" hil analyze "$session" >"$work/analysis.txt"
  gl=$(( ($(now) - t0) / 1000000 )); glcpu=$(cpu_ms)
}
best() { if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi; }
bf=""; bg=""; bfc=""; bgc=""
for i in $(seq 1 "$RUNS"); do
  if [ $((i % 2)) -eq 1 ]; then run_ffmpeg; run_genlock; else run_genlock; run_ffmpeg; fi
  echo "run $i: decode-only ${ff} ms (cpu ${ffcpu}), analyze ${gl} ms (cpu ${glcpu})"
  bf=$(best "$bf" "$ff"); bg=$(best "$bg" "$gl"); bfc=$(best "$bfc" "$ffcpu"); bgc=$(best "$bgc" "$glcpu")
done
frames=$(( FRAMES * $(ls "$session"/*.mkv | wc -l) ))
echo "analysis:"; sed 's/^/  /' "$work/analysis.txt"
awk -v f="$bf" -v g="$bg" -v fc="$bfc" -v gc="$bgc" -v n="$frames" -v c="$CODEC" -v s="$SIZE" 'BEGIN {
  printf "%s %s, %d frames: decode-only best %d ms (%.0f fps), analyze best %d ms (%.0f fps); ratio wall %.2f, cpu %.2f (goal <= 1.25)\n",
    c, s, n, f, n * 1000 / f, g, n * 1000 / g, g / f, gc / fc }'
