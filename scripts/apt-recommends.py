#!/usr/bin/env python3
"""Generates crates/ballast_ml/data/apt-recommends.tsv: what `apt-get install` of a
common package adds when recommended packages are installed too.

For each distribution (Debian 12 bookworm, Debian 13 trixie, Ubuntu 22.04
jammy, Ubuntu 24.04 noble) it downloads the amd64 package lists (main, plus universe on Ubuntu),
then for each package of the list below computes two closures over
Pre-Depends and Depends (first alternative, virtual packages through
Provides): without and with Recommends (followed transitively, as apt does).
The difference, less what the distribution's base image already holds
(the Depends closure of every Priority: required package and apt, what a
minbase debootstrap and the official images install), is what
`--no-install-recommends` would leave out: its names and the sum of their
Installed-Size. Each package's own Depends closure is recorded too, so that
what other packages of the same install need anyway is not counted.

Re-run: python3 scripts/apt-recommends.py > crates/ballast_ml/data/apt-recommends.tsv
(needs network access to deb.debian.org and archive.ubuntu.com; about 60 MB
downloaded). The table records the date it was made.
"""

import datetime
import lzma
import sys
import urllib.request

DISTROS = [
    ("debian12", "http://deb.debian.org/debian", "bookworm", ["main"]),
    ("debian13", "http://deb.debian.org/debian", "trixie", ["main"]),
    ("ubuntu2204", "http://archive.ubuntu.com/ubuntu", "jammy", ["main", "universe"]),
    ("ubuntu2404", "http://archive.ubuntu.com/ubuntu", "noble", ["main", "universe"]),
]

# Packages ML and web Dockerfiles install (the real-project corpus and the
# usual suspects); names missing from a distribution are skipped there.
PACKAGES = """
build-essential gcc g++ make cmake ninja-build pkg-config gfortran git git-lfs curl wget
ca-certificates gnupg software-properties-common python3 python3-pip python3-dev python3-venv
python3-wheel python3-tk python-is-python3 pip ffmpeg libgl1 libgl1-mesa-glx libglx-mesa0
libglib2.0-0 libsm6 libxext6 libxrender1 libfontconfig1 fontconfig libegl1 libgles2 libvulkan1
libgomp1 libsndfile1 libsndfile1-dev libportaudio2 espeak-ng sox libmagic1 poppler-utils
tesseract-ocr libtesseract-dev libleptonica-dev pandoc libreoffice libreoffice-core
libreoffice-common chromium chromium-driver firefox-esr imagemagick xvfb x11vnc xfce4
openjdk-17-jre-headless default-jre nodejs npm vim nano unzip zip sudo openssh-server
supervisor nginx postgresql-client libpq-dev sqlite3 libsqlite3-0 swig musl-dev systemd procps
net-tools netcat-openbsd iputils-ping htop less jq libopenblas-dev libomp-dev libssl-dev
libffi-dev zlib1g-dev tzdata locales xz-utils openmpi-bin libopenmpi-dev libopencv-dev
gosu iptables libjemalloc2 libnss3-tools docker.io clinfo ocl-icd-opencl-dev libclblast-dev
libx11-dev libxml2-dev libxmlsec1-dev cargo rustc golang-go llvm clang
""".split()

# What buildpack-deps (under the full official python, node, ... images)
# installs over the distribution's base, from docker-library/buildpack-deps'
# curl, scm and full Dockerfiles (all --no-install-recommends): installing
# any of these in FROM python:3.x costs nothing.
BUILDPACK_DEPS = """
ca-certificates curl gnupg netbase wget git mercurial openssh-client subversion procps
autoconf automake bzip2 default-libmysqlclient-dev dpkg-dev file g++ gcc imagemagick libbz2-dev
libc6-dev libcurl4-openssl-dev libdb-dev libevent-dev libffi-dev libgdbm-dev libglib2.0-dev
libgmp-dev libjpeg-dev libkrb5-dev liblzma-dev libmagickcore-dev libmagickwand-dev
libmaxminddb-dev libncurses5-dev libncursesw5-dev libpng-dev libpq-dev libreadline-dev
libsqlite3-dev libssl-dev libtool libwebp-dev libxml2-dev libxslt-dev libyaml-dev make patch
unzip xz-utils zlib1g-dev
""".split()



def fetch(url):
    with urllib.request.urlopen(url, timeout=120) as r:
        return r.read()


def parse_packages(text):
    pkgs, provides = {}, {}
    for stanza in text.split("\n\n"):
        fields, key = {}, None
        for line in stanza.splitlines():
            if line.startswith((" ", "\t")) and key:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        name = fields.get("Package")
        if not name or name in pkgs:
            continue
        pkgs[name] = fields
        for p in fields.get("Provides", "").split(","):
            p = p.strip().split(" ")[0]
            if p:
                provides.setdefault(p, name)
    return pkgs, provides


def relations(fields, keys):
    out = []
    for k in keys:
        for group in fields.get(k, "").split(","):
            alts = [a.strip().split(" ")[0].split(":")[0] for a in group.split("|") if a.strip()]
            if alts:
                out.append(alts)
    return out


def closure(root, pkgs, provides, keys, installed=frozenset()):
    """Packages `root` brings in over `keys`; packages already `installed`
    are not expanded (apt does not add recommendations of what is there)."""
    seen, todo = set(), [root]
    while todo:
        name = todo.pop()
        real = name if name in pkgs else provides.get(name)
        if not real or real in seen:
            continue
        seen.add(real)
        if real in installed:
            continue
        for alts in relations(pkgs[real], keys):
            if any(a in seen for a in alts):
                continue
            todo.append(next((a for a in alts if a in pkgs or a in provides), alts[0]))
    return seen


def main():
    date = datetime.date.today().isoformat()
    rows, sizes = [], {}
    for distro, mirror, suite, comps in DISTROS:
        pkgs, provides = {}, {}
        for comp in comps:
            url = f"{mirror}/dists/{suite}/{comp}/binary-amd64/Packages.xz"
            text = lzma.decompress(fetch(url)).decode("utf-8", "replace")
            p, v = parse_packages(text)
            for k, f in p.items():
                pkgs.setdefault(k, f)
            for k, n in v.items():
                provides.setdefault(k, n)
        roots = [n for n, f in pkgs.items() if f.get("Priority") == "required"] + ["apt"]
        base_image = set()
        for r in roots:
            base_image |= closure(r, pkgs, provides, ["Pre-Depends", "Depends"])
        for name in PACKAGES:
            if name not in pkgs and name not in provides:
                continue
            base = closure(name, pkgs, provides, ["Pre-Depends", "Depends"], base_image)
            full = closure(name, pkgs, provides, ["Pre-Depends", "Depends", "Recommends"], base_image)
            extra = sorted(full - base - base_image)
            direct = [alts[0] for alts in relations(pkgs.get(name) or pkgs[provides[name]], ["Recommends"])]
            rows.append((distro, name, direct[:4], extra, sorted(base - base_image)))
        # Pseudo-rows: the base image itself, and what buildpack-deps adds.
        rows.append((distro, "@base", [], [], sorted(base_image)))
        buildpack = set()
        for name in BUILDPACK_DEPS:
            if name in pkgs or name in provides:
                buildpack |= closure(name, pkgs, provides, ["Pre-Depends", "Depends"], base_image)
        rows.append((distro, "@buildpack-deps", [], [], sorted(buildpack - base_image)))
        for _, _, _, extra, needs in rows:
            for p in extra + needs:
                if p in pkgs:
                    sizes[(distro, p)] = int(pkgs[p].get("Installed-Size", "0") or 0) * 1024
    out = sys.stdout
    out.write("# Generated by scripts/apt-recommends.py on %s. Do not edit.\n" % date)
    out.write("# distribution<TAB>package<TAB>its Recommends<TAB>what the recommendations add that the\n")
    out.write("# base image lacks, as name=Installed-Size bytes<TAB>what it needs without them that the\n")
    out.write("# base image lacks, itself included, also as name=bytes. Lists are space-separated.\n")
    out.write("# Row @base: the packages of the base image (Priority: required and apt, with\n")
    out.write("# what they depend on); row @buildpack-deps: what buildpack-deps (the full\n")
    out.write("# python images' base) adds over it.\n")
    out.write("date\t%s\n" % date)
    for distro, name, direct, extra, needs in rows:
        added = " ".join("%s=%d" % (p, sizes[(distro, p)]) for p in extra)
        needed = " ".join("%s=%d" % (p, sizes.get((distro, p), 0)) for p in needs)
        out.write("%s\t%s\t%s\t%s\t%s\n" % (distro, name, " ".join(direct), added, needed))

if __name__ == "__main__":
    main()
