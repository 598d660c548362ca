"""The usage examples in the docstrings of the pure modules run as doctests.

Pure modules do no I/O, so their examples run anywhere.  Each module is checked for failures;
where a module carries examples, the table below says at least how many, so an example that
silently stops being collected (a broken ``>>>`` prompt) fails the test too.
"""

from __future__ import annotations

import doctest
import importlib

import pytest

#: module -> the least number of examples it holds (0: none yet; failures are still checked)
PURE_MODULES: dict[str, int] = {
    "influxdb._core._retry": 3,
    "influxdb._config.dsn": 4,
    "influxdb._config.sources": 1,
    "influxdb._config.values": 0,
    "influxdb.point": 4,
    "influxdb.line_protocol": 0,
    "influxdb._core.times": 0,
    "influxdb._influxql": 0,
    "influxdb._influxql.lex": 0,
    "influxdb.resultset": 0,
    "influxdb.exceptions": 0,
    "influxdb.chunked_json": 0,
}


@pytest.mark.parametrize(("name", "least"), sorted(PURE_MODULES.items()))
def test_docstring_examples(name: str, least: int) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True, verbose=False)
    assert result.failed == 0
    assert result.attempted >= least
