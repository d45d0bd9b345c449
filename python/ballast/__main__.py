"""`python -m ballast`: runs the `ballast` binary this distribution installed."""

import os
import sys
import sysconfig


def find_ballast_bin() -> str:
    """The path of the installed `ballast` binary.

    The wheel puts it in the scripts directory of the scheme it was installed
    with: the environment's, the user's (`pip install --user`), or a prefix.
    """
    exe = "ballast" + (sysconfig.get_config_var("EXE") or "")
    candidates = [sysconfig.get_path("scripts")]
    user_scheme = {"nt": "nt_user", "posix": "posix_user"}.get(os.name)
    if user_scheme and sys.version_info >= (3, 10):
        user_scheme = sysconfig.get_preferred_scheme("user")
    if user_scheme:
        candidates.append(sysconfig.get_path("scripts", scheme=user_scheme))
    # A `pip install --target DIR` install: DIR/bin next to DIR/ballast.
    candidates.append(os.path.join(os.path.dirname(os.path.dirname(__file__)), "bin"))
    for directory in candidates:
        path = os.path.join(directory, exe)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f"no {exe} in {', '.join(candidates)}")


def main() -> None:
    ballast = find_ballast_bin()
    if sys.platform == "win32":
        import subprocess

        sys.exit(subprocess.call([ballast, *sys.argv[1:]]))
    os.execv(ballast, [ballast, *sys.argv[1:]])


if __name__ == "__main__":
    main()
