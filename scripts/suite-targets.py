#!/usr/bin/env python3
"""Print the build outputs that one test suite needs, relative to the build dir.

Usage: scripts/suite-targets.py <builddir> <suite>
The test executables, every file named on their command lines, and their declared
dependencies, from `meson introspect`; feed the list to ninja to build only those.
"""
import json
import os
import subprocess
import sys


def introspect(builddir, what):
    return json.loads(subprocess.check_output(["meson", "introspect", what, builddir]))


def main():
    builddir, suite = sys.argv[1], sys.argv[2]
    tests = introspect(builddir, "--tests")
    targets = introspect(builddir, "--targets")
    by_id = {t["id"]: t for t in targets}
    by_file = {f: t for t in targets for f in t["filename"]}
    need = set()
    for test in tests:
        if not any(s == suite or s.endswith(":" + suite) for s in test["suite"]):
            continue
        need.update(a for a in test["cmd"] if a in by_file)
        need.update(v for v in test["env"].values() if v in by_file)
        for dep in test["depends"]:
            if dep in by_id:
                need.update(by_id[dep]["filename"])
    if not need:
        sys.exit(f"suite-targets: no test in suite '{suite}' under {builddir}")
    print("\n".join(sorted(os.path.relpath(f, builddir) for f in need)))


if __name__ == "__main__":
    main()
