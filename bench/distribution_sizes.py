"""Measure the installed size of Python distributions from real wheels.

Run through bench/distribution-sizes.sh, which makes the venv this needs
(pip, uv, packaging). For every name in bench/distributions/popular.txt and
every requirement the real-project corpus names, it resolves the newest
release with its dependencies (uv pip compile, for this interpreter: CPython
3.11 on Linux x86_64, what python:3.11 images run), downloads each resolved
wheel once from the package index, installs it without dependencies (uv, compiling
.pyc files as an image's `pip install` does) and measures each one's files
from its RECORD (its .pyc included, and counted apart: uv without
--compile-bytecode writes none), takes the wheel's bytes from the
index's JSON listing, then
writes two tables into crates/ballast_ml/data:

  distributions.tsv  name, version, wheel bytes, installed bytes, files
  closures.tsv       top-level name, then every distribution it installs

Names that resolve to nothing installable (no wheel for this platform, a
private package, a name that is not on the index) are listed in the output's
`unresolved` comment with the reason, not measured.
"""

import concurrent.futures as futures
import datetime
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "crates" / "ballast_ml" / "data"
LIST = ROOT / "bench" / "distributions" / "popular.txt"


def corpus_root():
    env = os.environ.get("BALLAST_CORPUS")
    base = pathlib.Path(env) if env else ROOT.parent / "shared" / "corpus"
    return base / "real-projects"


def requirement_names(lines):
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-") or "://" in line or line.startswith("."):
            continue
        try:
            yield canonicalize_name(Requirement(line).name)
        except InvalidRequirement:
            continue


def pyproject_names(path):
    try:
        doc = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return
    project = doc.get("project", {})
    yield from requirement_names(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        yield from requirement_names(extra)
    poetry = doc.get("tool", {}).get("poetry", {}).get("dependencies", {})
    for name in poetry:
        if name != "python":
            yield canonicalize_name(name)


def corpus_names():
    names = set()
    root = corpus_root()
    for path in root.glob("*/files/**/*"):
        if path.name.startswith("requirements") and path.suffix == ".txt":
            names.update(requirement_names(path.read_text(errors="replace").splitlines()))
        elif path.name == "pyproject.toml":
            names.update(pyproject_names(path))
    own = {p.name.split("__", 1)[1].lower() for p in root.iterdir() if "__" in p.name}
    return names - own


def popular_names():
    lines = LIST.read_text().splitlines()
    return {canonicalize_name(l.strip()) for l in lines if l.strip() and not l.startswith("#")}


UV = "uv"
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^ ;]+)")


def resolve(uv, python, name):
    """The pins `name` installs with its dependencies, or the error."""
    try:
        proc = subprocess.run(
            [uv, "pip", "compile", "-", "--python", python, "--no-header", "--no-annotate",
             "--quiet", "--only-binary", ":all:"],
            input=name + "\n", capture_output=True, text=True, timeout=120,
        )
    except subprocess.TimeoutExpired:
        return None, "no resolution within 120 s"
    if proc.returncode != 0:
        last = [l for l in proc.stderr.splitlines() if l.strip()]
        return None, (last[-1] if last else "uv failed").strip()[:160]
    pins = {}
    for line in proc.stdout.splitlines():
        m = PIN.match(line.strip())
        if m:
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins, None


def newer(a, b):
    """Whether version `a` is newer than `b` (unparsable versions lose)."""
    from packaging.version import InvalidVersion, Version
    try:
        return Version(a) > Version(b)
    except InvalidVersion:
        return False


def wheel_size(name, version):
    """Bytes of the wheel pip or uv picks here for name==version, from the
    index's JSON listing (the most specific compatible tag wins, as in pip), from the index's
    JSON listing (PEP 691)."""
    import json
    import urllib.request
    from packaging.tags import sys_tags
    from packaging.utils import parse_wheel_filename
    from packaging.version import Version

    req = urllib.request.Request(f"https://pypi.org/simple/{name}/",
                                 headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            files = json.load(r)["files"]
    except Exception as e:  # an index error is reported, not fatal
        return None, f"index: {e}"
    rank = {t: i for i, t in enumerate(sys_tags())}
    best = None
    for f in files:
        if not f["filename"].endswith(".whl"):
            continue
        try:
            _, ver, _, tags = parse_wheel_filename(f["filename"])
        except Exception:
            continue
        if str(ver) != str(Version(version)):
            continue
        r = min((rank[t] for t in tags if t in rank), default=None)
        if r is not None and (best is None or r < best[0]):
            best = (r, f["size"])
    return (best[1], None) if best else (None, "no compatible wheel")


def installed_sizes(site):
    """Installed bytes, files and .pyc bytes of each distribution in `site`,
    from its RECORD, with the .pyc compiled for each of its .py files (an
    install without bytecode, uv's default, writes all but those)."""
    out = {}
    for info in pathlib.Path(site).glob("*.dist-info"):
        meta = (info / "METADATA").read_text(errors="replace")
        name = canonicalize_name(re.search(r"^Name: *(.+)$", meta, re.M).group(1).strip())
        total = files = pyc_total = 0
        paths = set()
        for row in (info / "RECORD").read_text(errors="replace").splitlines():
            path = row.rsplit(",", 2)[0].strip('"')
            paths.add(path)
            full = pathlib.Path(site) / path
            if not full.is_file() or full.is_symlink():
                continue
            total += full.stat().st_size
            files += 1
            if full.suffix == ".py":
                pyc = full.parent / "__pycache__" / f"{full.stem}.cpython-311.pyc"
                if pyc.is_file():
                    total += pyc.stat().st_size
                    pyc_total += pyc.stat().st_size
                    files += 1
        out[name] = (total, files, pyc_total, frozenset(paths))
    return out


def measure_batch(uv, python, pins, work):
    """Installs a batch of pins without dependencies (uv, bytecode compiled
    as pip does by default) and measures each distribution's files."""
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        site = os.path.join(tmp, "site")
        reqs = os.path.join(tmp, "req.txt")
        with open(reqs, "w") as f:
            f.writelines(f"{n}=={v}\n" for n, v in pins)
        env = dict(os.environ, UV_CACHE_DIR=os.path.join(tmp, "cache"), UV_LINK_MODE="hardlink")
        proc = subprocess.run(
            [uv, "pip", "install", "--python", python, "--target", site, "--no-deps",
             "--only-binary", ":all:", "--compile-bytecode", "-q", "-r", reqs],
            capture_output=True, text=True, env=env,
        )
        if proc.returncode != 0:
            return {}, proc.stderr.strip().splitlines()[-1:] or ["uv failed"]
        return installed_sizes(site), None


def main():
    global UV
    uv, python = sys.argv[1], sys.argv[2]
    UV = uv
    work = sys.argv[3] if len(sys.argv) > 3 else tempfile.gettempdir()
    jobs = int(os.environ.get("JOBS", "4"))
    tops = sorted(popular_names() | corpus_names())
    print(f"{len(tops)} top-level names", file=sys.stderr)
    closures, unresolved = {}, {}
    with futures.ThreadPoolExecutor(jobs) as pool:
        for i, (name, (pins, err)) in enumerate(
                zip(tops, pool.map(lambda n: resolve(uv, python, n), tops)), 1):
            if i % 50 == 0:
                print(f"  resolved {i}/{len(tops)}", file=sys.stderr, flush=True)
            if pins:
                closures[name] = pins
            else:
                unresolved[name] = err
    # A distribution is measured at the newest version any closure resolved:
    # one top-level name that holds pydantic below 2 must not make the
    # table size pydantic 1 for everyone.
    pins = {}
    for closure in closures.values():
        for name, version in closure.items():
            if name not in pins or newer(version, pins[name]):
                pins[name] = version
    print(f"{len(closures)} resolved, {len(pins)} distributions to measure", file=sys.stderr)
    sizes, failed = {}, {}
    todo = sorted(pins.items())
    batch = int(os.environ.get("BATCH", "60"))
    for i in range(0, len(todo), batch):
        part = todo[i:i + batch]
        got, err = measure_batch(uv, python, part, work)
        if err:  # one bad pin fails the batch: measure its pins one by one
            got = {}
            for pin in part:
                one, e = measure_batch(uv, python, [pin], work)
                got.update(one)
                if e:
                    failed[pin[0]] = " ".join(e)
        # Distributions that install the same files (tensorflow and
        # tensorflow-cpu, cuda-python and cuda-bindings) overwrite each other
        # in one target: measure each of them alone.
        owners = {}
        for name, (*_, paths) in got.items():
            for path in paths:
                owners.setdefault(path, set()).add(name)
        clashing = set().union(*[o for o in owners.values() if len(o) > 1])
        for pin in [p for p in part if p[0] in clashing]:
            one, e = measure_batch(uv, python, [pin], work)
            got.update(one)
            if e:
                failed[pin[0]] = " ".join(e)
        with futures.ThreadPoolExecutor(8) as pool:
            wheels = dict(zip([n for n, _ in part],
                              pool.map(lambda p: wheel_size(*p), part)))
        for name, version in part:
            if name in got and wheels[name][0]:
                sizes[name] = (version, wheels[name][0], *got[name][:3])
            elif name not in failed:
                failed[name] = wheels[name][1] or "not installed"
        print(f"  measured {min(i + batch, len(todo))}/{len(todo)}", file=sys.stderr, flush=True)
    write_tables(closures, unresolved, sizes, failed, python)


def header(python, what):
    ver = subprocess.run([python, "-c", "import sys,platform;print(sys.version.split()[0], platform.machine())"],
                         capture_output=True, text=True).stdout.strip()
    uv = subprocess.run([UV, "--version"], capture_output=True, text=True).stdout.strip()
    return (f"# {what}\n# measured {datetime.date.today().isoformat()} by bench/distribution-sizes.sh:"
            f" CPython {ver} on Linux, wheels from the package index installed with {uv}\n")


def write_tables(closures, unresolved, sizes, failed, python):
    DATA.mkdir(parents=True, exist_ok=True)
    with open(DATA / "distributions.tsv", "w") as out:
        out.write(header(python, "Installed size of each distribution, alone (its files and .pyc), the .pyc part, and its wheel"))
        out.write("# name\tversion\twheel_bytes\tinstalled_bytes\tfiles\tpyc_bytes\n")
        for name in sorted(sizes):
            version, wheel, installed, files, pyc = sizes[name]
            out.write(f"{name}\t{version}\t{wheel}\t{installed}\t{files}\t{pyc}\n")
        for name in sorted(failed):
            out.write(f"# not measured: {name}: {failed[name]}\n")
    with open(DATA / "closures.tsv", "w") as out:
        out.write(header(python, "What installing each distribution installs (itself and its dependencies, newest release)"))
        out.write("# name\tdistributions installed\n")
        for name in sorted(closures):
            deps = sorted(closures[name])
            out.write(f"{name}\t{' '.join(deps)}\n")
        for name in sorted(unresolved):
            out.write(f"# unresolved: {name}: {unresolved[name]}\n")
    print(f"{len(sizes)} measured, {len(failed)} failed, {len(closures)} closures, "
          f"{len(unresolved)} unresolved", file=sys.stderr)


if __name__ == "__main__":
    main()
