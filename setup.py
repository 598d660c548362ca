"""Build script: the metadata lives in pyproject.toml; this file adds the optional C encoder.

``influxdb._speedups`` (line-protocol encoding of plain points, line scans, msgpack answers,
answer rows) is built when a C compiler and the Python headers are there; when the build
fails the package installs without it and runs in Python, with the same output.
``INFLUXDB_PURE_PYTHON=1`` at build time skips it.  Its sources are influxdb/_cext/, one file
per role compiled into the one module (module.c says which); the sdist carries them, the
wheel only the built module.
"""

import os

from setuptools import Extension, setup

SOURCES = ["influxdb/_cext/module.c", "influxdb/_cext/encode.c", "influxdb/_cext/scans.c",
           "influxdb/_cext/msgpack.c", "influxdb/_cext/rows.c"]

extensions = [] if os.environ.get("INFLUXDB_PURE_PYTHON") else [
    Extension("influxdb._speedups", SOURCES, depends=["influxdb/_cext/speedups.h"],
              optional=True),
]

setup(ext_modules=extensions)
