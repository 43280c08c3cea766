#!/bin/sh
# Runs one test program on an X server of its own, so input injected with
# xdotool reaches only this test's window. Xvfb picks a free display.
set -eu
if ! command -v Xvfb >/dev/null 2>&1; then
  echo "Bail out! Xvfb is not installed (run ./gradlab.sh test, which installs it)"
  exit 1
fi
fifo_dir=$(mktemp -d)
mkfifo "$fifo_dir/fd"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$fifo_dir/fd" 2>/dev/null &
xpid=$!
read -r disp <"$fifo_dir/fd"
rm -rf "$fifo_dir"
trap 'kill $xpid 2>/dev/null || true' EXIT INT TERM
export DISPLAY=":$disp"
"$@"
