"""ballast: find and drop the dead weight in machine-learning container images.

The wheel installs the `ballast` binary as a script; this package only lets
`python -m ballast` find and run it.
"""

from ballast.__main__ import find_ballast_bin

__all__ = ["find_ballast_bin"]
