#!/usr/bin/env python3
"""Runs a command and prints its wall time and peak resident memory.

    bench/measure.py LABEL -- CMD [ARGS...]

Prints one JSON line: {"label", "seconds", "max_rss_mb", "exit"}. Output of the
command goes to /dev/null. Peak memory is GNU time's %M (the child's maximum
resident set); without /usr/bin/time it falls back to wait4's rusage, which
also counts the forked Python before exec (about 14 MB) and is marked so.
"""

import json
import os
import subprocess
import sys
import time


def main():
    if "--" not in sys.argv:
        sys.exit(__doc__)
    i = sys.argv.index("--")
    label, cmd = " ".join(sys.argv[1:i]), sys.argv[i + 1 :]
    gnu_time = "/usr/bin/time"
    if os.path.exists(gnu_time):
        import tempfile
        with tempfile.NamedTemporaryFile("r") as out:
            start = time.perf_counter()
            rc = subprocess.run([gnu_time, "-q", "-f", "%M", "-o", out.name, *cmd],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            seconds = time.perf_counter() - start
            kb = int(out.read().strip().splitlines()[-1])
        print(json.dumps({"label": label, "seconds": round(seconds, 3), "max_rss_mb": round(kb / 1024, 1), "exit": rc}))
        return
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "label": label,
        "seconds": round(seconds, 3),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit": os.waitstatus_to_exitcode(status),
        "note": "rss includes the forked python",
    }))


if __name__ == "__main__":
    main()
