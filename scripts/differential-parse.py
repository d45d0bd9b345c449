#!/usr/bin/env python3
"""Compare `ballast debug parse --dump json` with BuildKit's own Go parser.

The oracle is the `dockerfile` package from the Python package index, which
wraps BuildKit's parser (an older release, v0.12.5). Usage:

    scripts/differential-parse.py [--ballast PATH] [--python PY] DIR_OR_FILE...

`--python` names an interpreter that has the `dockerfile` package installed
(default: the current one). Every disagreement is listed; those explained by
the documented behaviour changes since v0.12.5 (docs/parser-differences.md)
are marked "known", anything else "UNEXPECTED". The exit status is 1 when
there is an unexpected difference.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ORACLE = r"""
import json, sys, dockerfile
out = {}
for path in sys.argv[1:]:
    try:
        cmds = dockerfile.parse_file(path)
    except dockerfile.GoParseError as e:
        out[path] = {"error": str(e)}
        continue
    except UnicodeDecodeError as e:
        # BuildKit produced bytes that are not UTF-8 (see docs/parser-differences.md).
        out[path] = {"invalid_utf8": str(e)}
        continue
    out[path] = {"instructions": [
        {"cmd": (c.cmd or "").upper(), "sub_cmd": (c.sub_cmd or None) and c.sub_cmd.upper(),
         "json": c.json, "start_line": c.start_line, "end_line": c.end_line,
         "flags": list(c.flags), "value": list(c.value),
         "heredocs": [{"name": h.name, "content": h.content} for h in c.heredocs]}
        for c in cmds]}
json.dump(out, sys.stdout)
"""


WORDS = ["a", "b/c", "$V", "${V:-x}", '"q w"', "'s q'", "a\\ b", "x=y", 'k="v w"', '["j", "k"]',
         '["broken"', "--f=v", "#h", "\u2665", "<<EOF", "3<<EOF", "<<-EOT", "\\", "`", "''", '""', "=", "AS", "x\\",
         "\t", "a\u00a0b", "\x0b", "\u00e9", '["a\\u00e9"]', "[]", "[1]", "NONE", "a=b=c", "--", "--x", "<< EOF"]
KEYWORDS = ["FROM", "RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "ENV", "ARG", "LABEL", "EXPOSE", "USER",
            "WORKDIR", "VOLUME", "HEALTHCHECK", "HEALTHCHECK CMD", "ONBUILD RUN", "ONBUILD COPY", "SHELL",
            "STOPSIGNAL", "MAINTAINER", "run", "Env", "FOO"]
FLAGS = ["", "--from=b ", "--mount=type=cache,target=/c ", "--chown=1:1 ", "--link ", '--x="a b" ', "-- "]


def generate(n, seed, directory):
    """Writes n random Dockerfile-like files: the edge cases live in the mix."""
    import random
    rnd = random.Random(seed)
    for i in range(n):
        lines = []
        if rnd.random() < 0.2:
            lines.append(rnd.choice(["# escape=`", "# syntax=x", "#escape=\\", "# check=skip=all"]))
        lines.append("FROM base")
        for _ in range(rnd.randint(1, 10)):
            r = rnd.random()
            if r < 0.1:
                lines.append(rnd.choice(["# comment", "", "   ", "\t# indented comment"]))
                continue
            words = [rnd.choice(WORDS) for _ in range(rnd.randint(0, 4))]
            sep = rnd.choice([" ", " ", " \\\n  ", " \\\n# c\n  ", " `\n ", " \\ \t\n", " \\\n\n  ", "\t"])
            line = rnd.choice(KEYWORDS) + " " + rnd.choice(FLAGS) + sep.join(words)
            lines.append(line)
            for w in words:
                if "EOF" in w or "EOT" in w:
                    lines += ["body", "EOF" if "EOF" in w else "\tEOT"]
        text = "\n".join(lines) + rnd.choice(["\n", "", "\r\n"])
        (Path(directory) / f"gen-{seed}-{i}.Dockerfile").write_text(text, encoding="utf-8")


def collect(paths):
    files = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and looks_like_dockerfile(f))
        else:
            files.append(p)
    return files


def looks_like_dockerfile(f):
    n = f.name
    return n in ("Dockerfile", "Containerfile") or n.endswith(".Dockerfile") or n.startswith("Dockerfile.")


def ballast_view(ballast, path):
    r = subprocess.run([ballast, "debug", "parse", "--dump", "json", str(path)], capture_output=True, text=True)
    if r.returncode != 0:
        return {"error": r.stderr.strip()}
    items = json.loads(r.stdout)
    for it in items:
        # The Python package drops ENV/LABEL separators (key, value, sep triples)
        # and truncates values at NUL bytes (C strings): compare on that basis.
        if it["cmd"] in ("ENV", "LABEL") or it.get("sub_cmd") in ("ENV", "LABEL"):
            v = it["value"]
            it["value"] = [x for i, x in enumerate(v) if i % 3 != 2]
        it["value"] = [x.split("\x00", 1)[0] for x in it["value"]]
        it.pop("original", None)
    return {"instructions": items}


def explain(path, ours, theirs):
    """Name the documented behaviour change that explains a difference, if any.

    Only the first instruction that differs is judged: once the two parsers
    disagree on where a heredoc ends, everything after it shifts.
    """
    if "invalid_utf8" in theirs:
        return "BuildKit splits U+0085/U+00A0 byte-wise in flags and HEALTHCHECK and emits invalid UTF-8"
    json_change = "JSON array followed by text is shell form since dockerfile 1.9.0 (80518e257)"
    if "strings only" in theirs.get("error", "") and "instructions" in ours:
        # The old parser decoded a leading array and ignored the rest.
        if any(not x["json"] and any(v.lstrip().startswith("[") for v in x["value"]) for x in ours["instructions"]):
            return json_change
    if "error" in ours or "error" in theirs:
        return None
    lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    for x, y in zip(ours["instructions"], theirs["instructions"]):
        if x == y:
            continue
        inner = x.get("sub_cmd") or x["cmd"]
        if y["json"] and not x["json"] and any(v.lstrip().startswith("[") for v in x["value"]):
            return json_change
        if x["cmd"] == "ONBUILD" and x["heredocs"] and not y["heredocs"]:
            return "heredocs in ONBUILD triggers are newer than v0.12.5"
        if x["heredocs"] != y["heredocs"] and inner in ("RUN", "COPY", "ADD"):
            original = "\n".join(lines[x["start_line"] - 1 : x["end_line"]])
            if any(m in original for m in ("<< ", "<<\t", "<<- ", "<<-\t")):
                return "heredoc delimiter after blanks (BuildKit 0b77373ab, newer than v0.12.5)"
        return None
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ballast", default=os.environ.get("BALLAST", "target/release/ballast"))
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--generate", type=int, default=0, metavar="N", help="also compare N generated files")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("paths", nargs="*")
    args = ap.parse_args()
    import tempfile
    # The generated files live only as long as the comparison: nothing is left in /tmp.
    with tempfile.TemporaryDirectory(prefix="ballast-diff-") as gen_dir:
        if args.generate:
            generate(args.generate, args.seed, gen_dir)
        compare(args, list(args.paths) + ([gen_dir] if args.generate else []))


def compare(args, paths):
    files = collect(paths)
    if not files:
        sys.exit("no Dockerfiles found")
    r = subprocess.run([args.python, "-c", ORACLE, *map(str, files)], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"oracle failed (is the `dockerfile` package installed for {args.python}?):\n{r.stderr}")
    oracle = json.loads(r.stdout)
    agree = known = unexpected = 0
    for f in files:
        ours, theirs = ballast_view(args.ballast, f), oracle[str(f)]
        if ("error" in ours) and ("error" in theirs):
            agree += 1
            continue
        if ours == theirs:
            agree += 1
            continue
        why = explain(f, ours, theirs)
        tag = f"known: {why}" if why else "UNEXPECTED"
        known += bool(why)
        unexpected += not why
        print(f"--- {f} [{tag}]")
        if "invalid_utf8" in theirs:
            continue
        if "error" in ours or "error" in theirs:
            print(f"  ballast:  {ours.get('error', 'parsed')}")
            print(f"  buildkit: {theirs.get('error', 'parsed')}")
            continue
        a, b = ours["instructions"], theirs["instructions"]
        if len(a) != len(b):
            print(f"  instruction count: ballast {len(a)}, buildkit {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                for k in x:
                    if x[k] != y.get(k):
                        print(f"  #{i + 1} {x['cmd']} line {x['start_line']}: {k}: ballast {x[k]!r} buildkit {y.get(k)!r}")
    print(f"{len(files)} files: {agree} agree, {known} differ in documented ways, {unexpected} unexpected")
    sys.exit(1 if unexpected else 0)


if __name__ == "__main__":
    main()
