#!/usr/bin/python3
"""Fail when a source file marks strings for translation but is missing from
po/POTFILES.in, or when POTFILES.in names a file that does not exist.

Usage: tests/check-potfiles.py [TOP]

Looks at the .c files of app/, widgets/, engine/ and datasets/ for the GLib
markers _(), N_(), C_(), NC_() and the engine's GR_(), GR_N_(), GR_NG_()
(engine/nn/gr-i18n.h), and at app/*.ui for translatable="yes".
"""

import os
import re
import sys

TOP = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))
DIRS = ["app", "widgets", "engine", "datasets"]
MARK_C = re.compile(r"(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|GR_|GR_N_|GR_NG_) ?\(\s*\"")
MARK_UI = re.compile(r'translatable="yes"')


def listed():
    with open(os.path.join(TOP, "po", "POTFILES.in"), encoding="utf-8") as f:
        return {l.strip() for l in f if l.strip() and not l.startswith("#")}


def marked():
    for d in DIRS:
        for root, _dirs, names in os.walk(os.path.join(TOP, d)):
            for name in sorted(names):
                path = os.path.join(root, name)
                rel = os.path.relpath(path, TOP)
                if name.endswith(".c"):
                    pattern = MARK_C
                elif name.endswith(".ui"):
                    pattern = MARK_UI
                else:
                    continue
                with open(path, encoding="utf-8") as f:
                    if pattern.search(f.read()):
                        yield rel


def main():
    have = listed()
    missing = sorted(set(marked()) - have)
    stale = sorted(p for p in have if not os.path.exists(os.path.join(TOP, p)))
    for p in missing:
        print(f"{p}: marks strings for translation but is not in po/POTFILES.in")
    for p in stale:
        print(f"po/POTFILES.in: {p} does not exist")
    return 1 if missing or stale else 0


if __name__ == "__main__":
    sys.exit(main())
