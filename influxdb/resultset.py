"""``ResultSet``: one statement's result, as decoded from an InfluxDB 1.x ``/query`` answer.

The behaviour is influxdb-python 5.3.2's (``docs/migration.rst``, "What stays exactly as it
was"), including its
deprecated ``__getitem__`` and ``__iter__``; the one difference is that a statement error
raises the typed subclass of :class:`~influxdb.exceptions.InfluxDBClientError` chosen by
:func:`~influxdb.exceptions.error_from_response` (still ``code=None``).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Generator, Iterator, Mapping, Sequence
from itertools import chain, count, islice, repeat
from typing import Any, Callable, Optional, Union

from influxdb import _accel, _gc
from influxdb.exceptions import InfluxDBArgumentTypeError, error_from_response

__all__ = ["ResultSet"]

Point = dict[str, Any]
SeriesKey = tuple[Any, Optional[dict[str, Any]]]

# Stands for "tag absent" so that a filter value of None only matches a present None.
_MISSING = object()


def _tags_match(tags: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    for name, value in wanted.items():
        if tags.get(name, _MISSING) != value:
            return False
    return True


# Rows are turned into dicts by a function compiled once per column list: a dict display
# with constant keys builds a row about twice as fast as dict(zip(columns, row)), which
# matters for million-row answers.  Only repr() of exact str objects and integer indexes
# go into the source, so server data cannot inject code.  Small answers and very wide
# ones are not worth the compile time (~15 us per column) and use dict(zip(...)).
_COMPILE_MIN_ROWS = 64
_COMPILE_MAX_COLUMNS = 256


@functools.lru_cache(maxsize=64)
def _row_builder(columns: tuple[str, ...]) -> Callable[[Sequence[Any]], Point]:
    body = ", ".join(f"{name!r}: row[{index}]" for index, name in enumerate(columns))
    builder: Callable[[Sequence[Any]], Point] = eval(  # noqa: S307 -- see above
        f"lambda row: {{{body}}}", {"__builtins__": {}}
    )
    return builder


def _rows_py(columns: Sequence[Any], values: Sequence[Sequence[Any]]) -> Iterator[Point]:
    """``{column: value}`` for each row, lazily (a run of rows at a time)."""
    str_columns = all(type(name) is str for name in columns)
    if str_columns and _COMPILE_MIN_ROWS <= len(values) and len(columns) <= _COMPILE_MAX_COLUMNS:
        rows = map(_row_builder(tuple(columns)), values)
    else:
        rows = map(dict, map(zip, repeat(columns), values))
    if len(values) < _PAUSED_MIN_ROWS:
        return rows
    return chain.from_iterable(_paused_runs(lambda: list(islice(rows, _PAUSED_RUN))))


# Large answers are turned into dicts a run of rows at a time with the cyclic garbage
# collector paused (no caller code runs meanwhile): a million dicts otherwise set off
# hundreds of collections that each walk every container alive, about an eighth of the
# time of list(get_points()).  The collector catches up once per run.
_PAUSED_MIN_ROWS = 4096
_PAUSED_RUN = 8192


def _paused_runs(next_run: Callable[[], list[Point]]) -> Iterator[list[Point]]:
    """The runs ``next_run()`` builds, each with the collector paused, until one is empty."""
    while True:
        run = _gc.paused(next_run)
        if not run:
            return
        yield run


def _c_runs(dict_rows: Callable[..., list[Point]], columns: tuple[str, ...],
            values: list[Any]) -> Callable[[], list[Point]]:
    """A function giving the next run of rows as dicts, built by the C extension's
    ``dict_rows``, and an empty list after the last row."""
    starts = count(0, _PAUSED_RUN)

    def next_run() -> list[Point]:
        start = next(starts)
        return dict_rows(columns, values, start, start + _PAUSED_RUN)

    return next_run


RowsOf = Callable[[Sequence[Any], Sequence[Sequence[Any]]], Iterator[Point]]


def _rows_c(dict_rows: Callable[..., list[Point]]) -> RowsOf:
    """:func:`_rows_py`'s stand-in: the rows of a list under str column names built by the
    C extension (a quarter less time per row than the compiled builder), others by it."""
    def rows(columns: Sequence[Any], values: Sequence[Sequence[Any]]) -> Iterator[Point]:
        if type(values) is list and all(type(name) is str for name in columns):
            names = tuple(columns)
            if len(values) < _PAUSED_MIN_ROWS:
                return iter(dict_rows(names, values, 0, len(values)))
            return chain.from_iterable(_paused_runs(_c_runs(dict_rows, names, values)))
        return _rows_py(columns, values)
    return rows


#: ``{column: value}`` for each row, lazily; chosen once (the C extension or Python).
_rows = _accel.pick("dict_rows", _rows_py, through=_rows_c)


#: ``repr()`` shows a result whole up to this many rows and series in all; past either, the
#: first and last ``_REPR_EDGE`` rows of each series and series (pandas' ``display.max_rows``
#: and ``display.min_rows`` idea), so that printing a large answer stays short.
_REPR_MAX_ROWS = 60
_REPR_MAX_SERIES = 20
_REPR_EDGE = 5


def _elided(count: int, what: str) -> str:
    if count == 1 and what == "rows":
        what = "row"
    return f"... {count} {what} elided ..."


def _short_rows(series: Mapping[str, Any]) -> str:
    """The rows of one series as a list display, its middle elided past ``2 * _REPR_EDGE``."""
    values = series.get("values") or []
    if len(values) <= 2 * _REPR_EDGE:
        return repr(list(_rows(series["columns"], values))) if values else "[]"
    head = ", ".join(map(repr, _rows(series["columns"], values[:_REPR_EDGE])))
    tail = ", ".join(map(repr, _rows(series["columns"], values[-_REPR_EDGE:])))
    return f"[{head}, {_elided(len(values) - 2 * _REPR_EDGE, 'rows')}, {tail}]"


def _series_name(series: Mapping[str, Any]) -> Any:
    # 'measurement' is not sent by InfluxDB 1.x but was honoured by 5.3.2; 'results' is
    # the name of series the server leaves unnamed (SHOW RETENTION POLICIES, SHOW USERS).
    return series.get("measurement", series.get("name", "results"))


class ResultSet:
    """The result of one InfluxQL statement: zero or more series of rows.

    :param series: one element of the answer's ``results`` list (a dict with optional
        ``series``, ``error`` and ``statement_id``)
    :param raise_errors: when ``True`` (the identity is checked, as in 5.3.2), a statement
        error raises instead of being kept in :attr:`error`
    :raises InfluxDBClientError: (a subclass of it, ``code=None``) if the statement failed
        and ``raise_errors is True``

    Usage::

        rs = client.query('SELECT "value" FROM "cpu" GROUP BY "host"')
        values = [(p["time"], p["value"]) for p in rs.get_points(tags={"host": "a"})]
    """

    def __init__(self, series: dict[str, Any], raise_errors: bool = True) -> None:
        self._raw = series
        self._error: Any = series.get("error")
        if self._error is not None and raise_errors is True:
            raise error_from_response(self._error, None)

    @property
    def raw(self) -> dict[str, Any]:
        """The decoded result dict, as the server sent it (settable)."""
        return self._raw

    @raw.setter
    def raw(self, value: dict[str, Any]) -> None:
        self._raw = value
        self._error = value.get("error")

    @property
    def error(self) -> Any:
        """The statement's error message, or ``None``."""
        return self._error

    def __getitem__(self, key: Union[str, dict[str, Any], tuple[Any, ...]]) -> Iterator[Point]:
        """Deprecated: use :meth:`get_points`.

        :param key: ``'name'``, ``{tags}`` or ``('name', {tags} or None)``
        :returns: ``get_points(name, tags)``
        :raises TypeError: for a tuple that is not a 2-tuple or whose tags are not a dict
        """
        warnings.warn(
            "ResultSet.__getitem__ is deprecated, use ResultSet.get_points() instead",
            DeprecationWarning,
            stacklevel=2,
        )
        name: Any
        tags: Optional[dict[str, Any]]
        if isinstance(key, tuple):
            if len(key) != 2:
                raise InfluxDBArgumentTypeError("only 2-tuples allowed")
            name, tags = key
            if tags is not None and not isinstance(tags, dict):
                raise InfluxDBArgumentTypeError("tags should be a dict")
        elif isinstance(key, dict):
            name, tags = None, key
        else:
            name, tags = key, None
        return self.get_points(name, tags)

    def get_points(
        self,
        measurement: Union[str, bytes, None] = None,
        tags: Optional[Mapping[str, Any]] = None,
    ) -> Generator[Point, None, None]:
        """Yield the rows as ``{column: value}`` dicts.

        A series matches when ``measurement`` is ``None`` or its name; a row matches when
        ``tags`` is ``None``, or when every ``tags`` item equals the row's own column or,
        failing that, every item equals the series' ``GROUP BY`` tags.  A series without a
        name (``null``) is yielded only when ``tags`` is ``None``.

        :param measurement: the series name to keep, or ``None`` for all
        :param tags: tag values to keep, or ``None`` for all rows
        :returns: a generator (the argument check happens on the first ``next()``)
        :raises TypeError: ``'measurement must be an str or None'``, lazily
        """
        if not isinstance(measurement, (str, bytes, type(None))):
            raise InfluxDBArgumentTypeError("measurement must be an str or None")
        for series in self._get_series():
            name = _series_name(series)
            if name is None:
                if tags is None:
                    yield from self._get_points_for_series(series)
            elif measurement is None or measurement == name:
                values = series.get("values")
                if not values:
                    continue
                rows = _rows(series["columns"], values)  # the hot path: no per-row lookups
                if tags is None or _tags_match(series.get("tags") or {}, tags):
                    yield from rows
                else:
                    for row in rows:
                        if _tags_match(row, tags):
                            yield row

    def __repr__(self) -> str:
        """The 5.3.2 form, ``ResultSet({'<key>': [rows...], ...})``, in full for small results.

        Past :data:`_REPR_MAX_ROWS` rows or :data:`_REPR_MAX_SERIES` series in all, it is
        shortened as pandas shortens a long DataFrame: the first and last few rows of each
        series (and the first and last few series), with the count of those left out in
        their place, e.g. ``... 99990 rows elided ...``.
        """
        all_series = self._get_series()
        total_rows = sum(len(s.get("values") or ()) for s in all_series)
        if total_rows <= _REPR_MAX_ROWS and len(all_series) <= _REPR_MAX_SERIES:
            items = [f"'{key}': {list(points)}" for key, points in self.items()]
            return "ResultSet({" + ", ".join(items) + "})"
        shown: list[Optional[dict[str, Any]]] = list(all_series)
        if len(all_series) > _REPR_MAX_SERIES:
            shown = [*all_series[:_REPR_EDGE], None, *all_series[-_REPR_EDGE:]]
        parts = []
        for series in shown:
            if series is None:
                parts.append(_elided(len(all_series) - 2 * _REPR_EDGE, "series"))
                continue
            key = (_series_name(series), series.get("tags", None))
            parts.append(f"'{key}': {_short_rows(series)}")
        return "ResultSet({" + ", ".join(parts) + "})"

    def __iter__(self) -> Iterator[list[Point]]:
        """Yield, per series key, the list of its points (through the deprecated
        ``__getitem__``, so each step warns, as in 5.3.2)."""
        for key in self.keys():
            yield list(self[key])

    def __len__(self) -> int:
        """:returns: the number of series"""
        return len(self.keys())

    def _get_series(self) -> list[dict[str, Any]]:
        series: list[dict[str, Any]] = self._raw.get("series", [])
        return series

    def keys(self) -> list[SeriesKey]:
        """:returns: ``(name, tags or None)`` for each series"""
        return [(_series_name(s), s.get("tags", None)) for s in self._get_series()]

    def items(self) -> list[tuple[SeriesKey, Iterator[Point]]]:
        """:returns: ``((name, tags or None), generator of points)`` for each series"""
        return [
            ((_series_name(s), s.get("tags", None)), self._get_points_for_series(s))
            for s in self._get_series()
        ]

    def _get_points_for_series(self, series: Mapping[str, Any]) -> Iterator[Point]:
        values = series.get("values")
        if values:
            yield from _rows(series["columns"], values)

    @staticmethod
    def _tag_matches(tags: Mapping[str, Any], filter: Mapping[str, Any]) -> bool:
        # Kept for subclasses written against 5.3.2.
        return _tags_match(tags, filter)

    @staticmethod
    def point_from_cols_vals(cols: list[str], vals: list[Any]) -> Point:
        """Build one point.

        :param cols: the column names
        :param vals: the row's values, in column order (extra values are ignored)
        :returns: ``{column: value}``
        :raises IndexError: if ``vals`` is shorter than ``cols``
        """
        if len(vals) < len(cols):
            raise IndexError("list index out of range")
        return dict(zip(cols, vals))
