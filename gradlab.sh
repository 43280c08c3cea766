#!/usr/bin/env bash
# Gradlab on Debian 12: install what is missing, build, then run or test.
#
#   ./gradlab.sh        set up and build, then start Gradlab (the window when a
#                       display is available, else the headless gradlab-run)
#   ./gradlab.sh test   set up and build, then run the whole test suite: the
#                       normal build and an address/UB-sanitizer build; ends
#                       with the line "N passed, N failed"
#   ./gradlab.sh bench  set up (with the test packages, for Xvfb), then run the
#                       benchmarks against PyTorch (bench/run; arguments pass on)
#
# Both are safe to repeat: packages already installed are not touched, a
# configured build directory is not set up again (meson reconfigures itself
# when a meson.build changes), and ninja rebuilds only what changed.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"

BUILD_DIR=build
ASAN_DIR=build-asan

BUILD_PACKAGES=(
  build-essential pkg-config meson ninja-build
  libgtk-4-dev libadwaita-1-dev libjson-glib-dev
  libopenblas-dev libpng-dev zlib1g-dev
  gettext desktop-file-utils appstream libglib2.0-bin
  fonts-dejavu-core
)
# Xvfb and xauth for the GUI tests, ImageMagick and xdotool for screenshots
# and input. Not dbus-x11: with it GTK autolaunches a session bus per display.
TEST_PACKAGES=(xvfb xauth imagemagick xdotool)

say () { printf '==> %s\n' "$*"; }
die () { printf 'gradlab.sh: %s\n' "$*" >&2; exit 1; }

usage () {
  sed -n '2,14s/^# \{0,1\}//p' "$0"
}

# Installs those of the given Debian packages that are not installed yet;
# does nothing (not even apt-get update) when all are there.
install_missing_packages () {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    say "Not a Debian system (no dpkg-query): skipping the package check." \
        "Install the equivalents of: $*"
    return 0
  fi

  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi

  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 \
      || die "missing packages (${missing[*]}) and no sudo to install them as $(id -un)"
    sudo=(sudo)
  fi

  say "Installing missing packages: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get -q -o DPkg::Lock::Timeout=300 update || return
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends "${missing[@]}"
}

# Sets DIR up with the given extra meson options unless it is already a
# configured build directory.
configure () {
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ] && [ -f "$dir/meson-private/coredata.dat" ]; then
    return 0
  fi
  if [ -f "$dir/meson-private/coredata.dat" ]; then
    # A set-up that failed half-way: start that directory afresh.
    say "Configuring $dir again from scratch"
    meson setup --wipe "$dir" "$@"
  else
    say "Configuring $dir"
    meson setup "$dir" "$@"
  fi
}

# The set-up both modes share: packages, configure, build. Each step checks
# its own status, since callers may run this where `set -e` is suspended.
setup () {
  local mode=$1 packages=("${BUILD_PACKAGES[@]}")
  if [ "$mode" = test ]; then
    packages+=("${TEST_PACKAGES[@]}")
  fi
  install_missing_packages "${packages[@]}" || return
  configure "$BUILD_DIR" || return
  say "Building $BUILD_DIR"
  meson compile -C "$BUILD_DIR"
}

run_app () {
  local gui="$BUILD_DIR/app/gradlab" runner="$BUILD_DIR/app/gradlab-run"

  if [ -x "$gui" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
    say "Starting Gradlab"
    # Uninstalled, the app finds its settings schema in the build tree.
    export GSETTINGS_SCHEMA_DIR="$PWD/$BUILD_DIR/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}"
    exec "$gui"
  fi

  if [ ! -x "$gui" ]; then
    say "Note: the Gradlab window ($gui) is not built yet."
  else
    say "Note: no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window cannot open."
  fi
  if [ ! -x "$runner" ]; then
    die "the headless runner ($runner) is not built either: nothing to run yet"
  fi
  say "Running the headless trainer on its default preset instead: $runner"
  say "(list the presets with: $runner --list)"
  exec "$runner"
}

# Runs one build's tests after removing its old log, so that a build that
# never got to run its tests cannot be counted from a stale log.
run_tests_in () {
  local dir=$1
  shift
  rm -f "$dir/meson-logs/testlog.json"
  say "Testing $dir"
  meson test -C "$dir" --print-errorlogs "$@"
}

summarize () {
  say "Summary"
  /usr/bin/python3 tests/summary.py \
    "$BUILD_DIR/meson-logs/testlog.json" "$ASAN_DIR/meson-logs/testlog.json"
}

run_tests () {
  local status=0

  if ! setup test; then
    # Nothing can be tested; still end on the summary line.
    rm -f "$BUILD_DIR/meson-logs/testlog.json" "$ASAN_DIR/meson-logs/testlog.json"
    say "$BUILD_DIR did not build: no test ran"
    summarize || true
    return 1
  fi

  run_tests_in "$BUILD_DIR" || status=1

  # The sanitizer build skips the suite 'slow' (long training runs that
  # prove nothing more here) and allows for the sanitizers' slowdown.
  if configure "$ASAN_DIR" -Db_sanitize=address,undefined -Db_lundef=false \
     && say "Building $ASAN_DIR" && meson compile -C "$ASAN_DIR"; then
    run_tests_in "$ASAN_DIR" --no-suite slow --timeout-multiplier 3 || status=1
  else
    rm -f "$ASAN_DIR/meson-logs/testlog.json"
    say "$ASAN_DIR did not build: its tests did not run"
    status=1
  fi

  summarize || status=1
  return "$status"
}

main () {
  local mode=${1:-run}
  case "$mode" in
    run)
      setup run
      run_app
      ;;
    test)
      run_tests
      ;;
    bench)
      shift
      setup test
      exec bash "$(dirname "$0")/bench/run" "$@"
      ;;
    -h|--help|help)
      usage
      ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
