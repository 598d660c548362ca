"""Build script: the metadata lives in pyproject.toml; this file adds the optional C encoder.

``influxdb._speedups`` (line-protocol encoding of plain points) is built when a C compiler
and the Python headers are there; when the build fails the package installs without it and
encodes in Python, with the same output.  ``INFLUXDB_PURE_PYTHON=1`` at build time skips it.
"""

import os

from setuptools import Extension, setup

extensions = [] if os.environ.get("INFLUXDB_PURE_PYTHON") else [
    Extension("influxdb._speedups", ["influxdb/_speedups.c"], optional=True),
]

setup(ext_modules=extensions)
