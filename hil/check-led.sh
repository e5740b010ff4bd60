#!/usr/bin/env bash
# Wiring check, run on the LED node: five slow, long flashes you can see with the eye
# (half a second on, every second). Prints the chip/line error if the line cannot be driven.
#   hil/check-led.sh [CHIP] [LINE]     defaults: gpiochip0 17
set -euo pipefail
chip=${1:-gpiochip0}
line=${2:-17}
exec genlock hil flash --chip "$chip" --line "$line" --start-in 1s --width 500ms --period 1s --count 5 --out /dev/null
