#!/usr/bin/env bash
# Recorder throughput against the ffmpeg CLI, in one run: both encode the same raw frames
# (from a file, warm in the page cache) with the same codec settings into Matroska.
#
#   Benchmarks/recorder-vs-ffmpeg.sh                      # x264, 1280x720, 600 frames
#   CODEC=ffv1 SIZE=640x480 FRAMES=300 Benchmarks/recorder-vs-ffmpeg.sh
#
# Settings shared by both sides: libx264 -preset ultrafast -tune zerolatency (no B-frames),
# or ffv1, or rawvideo; keyframe every 30 frames; default thread count. Each side runs RUNS
# times, in alternating order, and the best (shortest) wall time of each is compared: the goal is a
# ratio (recorder / ffmpeg) of at most 1.1. Times are whole-process wall times, so both include
# start-up, reading the frames and writing the file.
set -euo pipefail
cd "$(dirname "$0")/.."

CODEC=${CODEC:-x264}
SIZE=${SIZE:-1280x720}
FRAMES=${FRAMES:-600}
FPS=${FPS:-30}
RUNS=${RUNS:-3}
PIX=yuv420p

case "$CODEC" in
  x264) FFMPEG_CODEC=(-c:v libx264 -preset ultrafast -tune zerolatency -bf 0 -g 30) ;;
  ffv1) FFMPEG_CODEC=(-c:v ffv1 -g 30) ;;
  raw)  FFMPEG_CODEC=(-c:v rawvideo) ;;
  *) echo "unknown CODEC '$CODEC' (x264, ffv1 or raw)" >&2; exit 2 ;;
esac

# The recorder's side is recorder-bench, from the nested Benchmarks package (not the genlock binary).
swift build --package-path Benchmarks -c release --product recorder-bench >/dev/null
RECORDER_BENCH="$(swift build --package-path Benchmarks -c release --show-bin-path)/recorder-bench"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ffmpeg -v error -f lavfi -i "testsrc2=size=$SIZE:rate=$FPS" -frames:v "$FRAMES" -pix_fmt $PIX -f rawvideo "$work/frames.yuv"
cat "$work/frames.yuv" >/dev/null

now() { date +%s%N; }
# CPU time (user + sys, ms) of the last timed command, from GNU time: steadier than wall time
# on a shared machine.
cpu_ms() { awk '{ printf "%d", ($1 + $2) * 1000 }' "$work/time"; }
run_ffmpeg() {
  rm -f "$work/ff.mkv"; sync
  local t0; t0=$(now)
  /usr/bin/time -f "%U %S" -o "$work/time" ffmpeg -y -v error -f rawvideo -pix_fmt $PIX -s "$SIZE" -framerate "$FPS" -i "$work/frames.yuv" \
    "${FFMPEG_CODEC[@]}" -f matroska "$work/ff.mkv"
  ff=$(( ($(now) - t0) / 1000000 )); ffcpu=$(cpu_ms)
}
run_genlock() {
  rm -rf "$work/g"; sync
  local t0; t0=$(now)
  /usr/bin/time -f "%U %S" -o "$work/time" "$RECORDER_BENCH" --input "$work/frames.yuv" --out "$work/g" --size "$SIZE" --pixel-format $PIX \
    --fps "$FPS" --codec "$CODEC" --keyframe-interval 30 >/dev/null
  gl=$(( ($(now) - t0) / 1000000 )); glcpu=$(cpu_ms)
}
# `sync` before each run (untimed) so neither side pays for writing back the other's file;
# the order alternates so neither always runs first.
best_ffmpeg=""
best_genlock=""
best_ffcpu=""
best_glcpu=""
for run in $(seq "$RUNS"); do
  if [ $((run % 2)) -eq 1 ]; then run_ffmpeg; run_genlock; else run_genlock; run_ffmpeg; fi
  echo "run $run: ffmpeg ${ff} ms (cpu ${ffcpu} ms), recorder ${gl} ms (cpu ${glcpu} ms)"
  if [ -z "$best_ffcpu" ] || [ "$ffcpu" -lt "$best_ffcpu" ]; then best_ffcpu=$ffcpu; fi
  if [ -z "$best_glcpu" ] || [ "$glcpu" -lt "$best_glcpu" ]; then best_glcpu=$glcpu; fi
  if [ -z "$best_ffmpeg" ] || [ "$ff" -lt "$best_ffmpeg" ]; then best_ffmpeg=$ff; fi
  if [ -z "$best_genlock" ] || [ "$gl" -lt "$best_genlock" ]; then best_genlock=$gl; fi
done

count() { ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$1"; }
ff_frames=$(count "$work/ff.mkv")
gl_frames=$(count "$work/g/bench/bench.mkv")
if [ "$ff_frames" != "$FRAMES" ] || [ "$gl_frames" != "$FRAMES" ]; then
  echo "frame counts differ: ffmpeg $ff_frames, recorder $gl_frames, expected $FRAMES" >&2
  exit 1
fi
ratio=$(awk -v g="$best_genlock" -v f="$best_ffmpeg" 'BEGIN { printf "%.3f", g / f }')
cpu_ratio=$(awk -v g="$best_glcpu" -v f="$best_ffcpu" 'BEGIN { printf "%.3f", g / f }')
echo "$CODEC $SIZE $FRAMES frames: ffmpeg ${best_ffmpeg} ms, recorder ${best_genlock} ms, ratio ${ratio} (goal <= 1.1); cpu ffmpeg ${best_ffcpu} ms, recorder ${best_glcpu} ms, ratio ${cpu_ratio}"
