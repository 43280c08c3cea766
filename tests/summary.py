#!/usr/bin/python3
"""Summarize meson test logs into the line the CI harness reads.

Usage: tests/summary.py [TESTLOG.json ...]

Without arguments it reads the logs of the two builds that ./gradlab.sh test
runs: build/meson-logs/testlog.json and build-asan/meson-logs/testlog.json
(relative to the top of the source tree). Each log is JSON lines, one object
per test with a "result" field.

Prints one count line per log, the failing tests by name, and last, alone on
its line, "N passed, N failed" (", N skipped" is added when tests were
skipped). Exits 1 if a test failed, a log is missing or unreadable, or no test
ran at all; 0 otherwise.
"""

import json
import os
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
FAILED = {"FAIL", "UNEXPECTEDPASS", "TIMEOUT", "ERROR"}
SKIPPED = {"SKIP"}

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_LOGS = [
    os.path.join(TOP, "build", "meson-logs", "testlog.json"),
    os.path.join(TOP, "build-asan", "meson-logs", "testlog.json"),
]


def label_for(path):
    """Names a log by its build directory (the folder above meson-logs)."""
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.basename(parent) == "meson-logs":
        return os.path.basename(os.path.dirname(parent))
    return path


def read_log(path):
    """Returns (passed, failed, skipped, failing names); raises OSError or
    ValueError when the log cannot be read."""
    passed, failed, skipped, failing = 0, 0, 0, []
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError("line %d: %s" % (number, e)) from None
            result = str(entry.get("result", "")).upper()
            name = entry.get("name", "?")
            if result in PASSED:
                passed += 1
            elif result in SKIPPED:
                skipped += 1
            else:
                # Anything unknown counts as a failure rather than vanishing.
                failed += 1
                failing.append("%s (%s)" % (name, result or "no result"))
    return passed, failed, skipped, failing


def main(argv):
    logs = argv[1:] or DEFAULT_LOGS
    total_passed = total_failed = total_skipped = 0
    problems = False

    width = max(len(label_for(p)) for p in logs) + 1
    for path in logs:
        label = (label_for(path) + ":").ljust(width)
        try:
            passed, failed, skipped, failing = read_log(path)
        except FileNotFoundError:
            print("%s no test log at %s (the build or its test run failed "
                  "before any test ran)" % (label, path))
            problems = True
            continue
        except (OSError, ValueError) as e:
            print("%s cannot read %s: %s" % (label, path, e))
            problems = True
            continue
        print("%s %d passed, %d failed, %d skipped"
              % (label, passed, failed, skipped))
        for name in failing:
            print("    failed: %s" % name)
        if passed + failed == 0:
            print("%s no test ran" % label)
            problems = True
        total_passed += passed
        total_failed += failed
        total_skipped += skipped

    line = "%d passed, %d failed" % (total_passed, total_failed)
    if total_skipped:
        line += ", %d skipped" % total_skipped
    print(line)
    sys.stdout.flush()

    if total_failed or problems or total_passed + total_failed == 0:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
