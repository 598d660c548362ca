"""Alias of :mod:`influxdb08.helper`: importing this module gives that very module."""

from __future__ import annotations

import sys

import influxdb08.helper as _target
from influxdb08.helper import SeriesHelper as SeriesHelper

# Replace this module by the real one: both names then refer to one module object, so
# attributes patched through either name are seen by the code (importlib returns what
# sys.modules holds once the module has run).
sys.modules[__name__] = _target
