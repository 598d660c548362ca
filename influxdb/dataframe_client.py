"""``DataFrameClient``: write pandas DataFrames to InfluxDB 1.x and read queries back as
DataFrames.

pandas is imported when a ``DataFrameClient`` is created (or ``EPOCH`` read), never by
``import influxdb`` or ``import influxdb.dataframe_client``.  Without pandas, creating one
raises ``ImportError("DataFrameClient requires Pandas which couldn't be imported: ...")``,
as 5.3.2 did.

What differs from 5.3.2 (each listed on the migration page): timestamps are exact for
every index resolution and time zone; missing cells are left out and rows without fields
are not written; integers, booleans and text keep their types; string fields are escaped;
global tags are never dropped nor duplicated; infinities and unsupported dtypes raise
:class:`~influxdb.exceptions.InfluxDBInvalidPointError` before anything is sent; the
caller's DataFrame is never modified; ``query`` builds the index from the ``epoch`` it
asked for, supports ``chunked=True`` and returns a list (not a ``map``) for several
statements.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from influxdb._core import requests as build
from influxdb._core.times import NANOS_PER, PRECISION, normalize_precision
from influxdb._transports import sync as _sync
from influxdb._write_batches import send_batches
from influxdb.client import InfluxDBClient
from influxdb.exceptions import (
    InfluxDBArgumentTypeError,
    InfluxDBInvalidPointError,
)

__all__ = ["DataFrameClient"]

_PANDAS_ERROR = "DataFrameClient requires Pandas which couldn't be imported: {}"


def _dataframe_module() -> Any:
    from influxdb import _dataframe

    return _dataframe


class _Epoch:
    """``DataFrameClient.EPOCH``: ``pd.Timestamp('1970-01-01 00:00:00.000+00:00')``, built on
    first access so that importing this module does not import pandas."""

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        import pandas as pd

        return pd.Timestamp("1970-01-01 00:00:00.000+00:00")


class DataFrameClient(InfluxDBClient):
    """An :class:`~influxdb.client.InfluxDBClient` that writes and reads DataFrames.

    Same constructor as :class:`~influxdb.client.InfluxDBClient`.

    Usage::

        client = DataFrameClient('localhost', 8086, database='example')
        client.write_points(frame, 'cpu', tag_columns=['host'], batch_size=10000)
        frames = client.query('SELECT * FROM "cpu" GROUP BY *')
        frames[('cpu', (('host', 'a'),))]

    :raises ImportError: when pandas cannot be imported
    """

    EPOCH = _Epoch()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            import pandas  # noqa: F401
        except ImportError as exc:
            InfluxDBClient.__init__(self)  # as 5.3.2's stub: a default client, then the error
            raise ImportError(_PANDAS_ERROR.format(exc)) from exc
        super().__init__(*args, **kwargs)

    # -- writing -------------------------------------------------------------------------
    def write_points(  # type: ignore[override]
        self,
        dataframe: Any,
        measurement: str,
        tags: Optional[dict[str, Any]] = None,
        tag_columns: Optional[list[Any]] = None,
        field_columns: Optional[list[Any]] = None,
        time_precision: Optional[str] = None,
        database: Optional[str] = None,
        retention_policy: Optional[str] = None,
        batch_size: Optional[int] = None,
        protocol: str = "line",
        numeric_precision: Any = None,
    ) -> bool:
        """Write a DataFrame.

        :param dataframe: rows to write, with a ``DatetimeIndex`` (any resolution, naive
            = UTC, or any time zone) or a ``PeriodIndex`` (each period's start); never
            modified
        :param measurement: the measurement
        :param tags: tags for every row (they win over tag columns of the same name)
        :param tag_columns: columns written as tags
        :param field_columns: columns written as fields (default: every other column; if
            only ``field_columns`` is given, every other column is a tag, as in 5.3.2)
        :param time_precision: ``'n'``, ``'u'``, ``'ms'``, ``'s'``, ``'m'`` or ``'h'``;
            times are floored to it
        :param database: target database (default: the client's)
        :param retention_policy: target retention policy
        :param batch_size: rows per request; batches are built while the previous one is
            being sent, so memory follows the batch, not the frame
        :param protocol: ``'line'`` (vectorised) or ``'json'`` (rows as point dicts)
        :param numeric_precision: ``None`` or ``'full'``: floats written exactly (shortest
            text that reads back to the same double); an int: rounded to that many decimals
        :returns: ``True``
        :raises TypeError: not a DataFrame, or not a time index (5.3.2 messages)
        :raises InfluxDBInvalidPointError: what cannot be written (infinities, unsupported
            dtypes, newlines in tags, duplicate columns...), naming the column and row,
            before anything is sent
        """
        dataframe_module = _dataframe_module()
        if tags is not None and not isinstance(tags, Mapping):
            raise InfluxDBInvalidPointError(
                f"tags must be a dict of tag names and values, not {type(tags).__name__}")
        if time_precision is None:
            time_precision = self._default_time_precision
        precision = normalize_precision(time_precision)
        if retention_policy is None:
            retention_policy = self._default_retention_policy
        if protocol == "json":
            return self._write_json(dataframe_module, dataframe, measurement, tags, tag_columns,
                                    field_columns, precision, database, retention_policy,
                                    batch_size)
        if protocol != "line":
            # Also a TypeError: what 5.3.2 raised here (it sent the frame as JSON and failed
            # to encode its numpy values).
            raise InfluxDBArgumentTypeError(
                f"Invalid protocol {protocol!r}: use 'line' or 'json'")
        plan = dataframe_module.LinePlan(
            dataframe, measurement, tags=tags, tag_columns=tag_columns,
            field_columns=field_columns, precision=precision,
            numeric_precision=numeric_precision, default_tags=self._default_tags)
        if self._udp is not None:
            for body in plan.bodies(batch_size):
                self._udp_send(body)
            return True

        def send(body: bytes) -> None:
            if body:  # a batch whose rows were all empty (NaN) has nothing to write
                self._write_payload(body, database=database, retention_policy=retention_policy,
                                    precision=precision)

        if not batch_size or batch_size <= 0:
            send(plan.body())  # one request, as in 5.3.2
            return True
        # Each batch is built (columns were checked whole, above) while the previous one is
        # being sent; exceptions carry write_report.
        starts = range(0, plan.rows, batch_size)
        send_batches(starts, lambda start, _: plan.body(start, start + batch_size), send,
                     batch_size, total=len(starts), on_written=_sync.on_written)
        return True

    def _write_json(self, dataframe_module: Any, dataframe: Any, measurement: str,
                    tags: Optional[dict[str, Any]], tag_columns: Optional[list[Any]],
                    field_columns: Optional[list[Any]], precision: Optional[str],
                    database: Optional[str], retention_policy: Optional[str],
                    batch_size: Optional[int]) -> bool:
        points = dataframe_module.frame_points(
            dataframe, measurement, tags=tags, tag_columns=tag_columns,
            field_columns=field_columns, precision=precision)
        return super().write_points(points, time_precision=precision, database=database,
                                    retention_policy=retention_policy, batch_size=batch_size,
                                    protocol="json")

    # -- querying ------------------------------------------------------------------------
    def query(
        self,
        query: str,
        params: Optional[dict[str, Any]] = None,
        bind_params: Optional[dict[str, Any]] = None,
        epoch: Optional[str] = None,
        expected_response_code: int = 200,
        database: Optional[str] = None,
        raise_errors: bool = True,
        chunked: bool = False,
        chunk_size: int = 0,
        method: str = "GET",
        dropna: bool = True,
        data_frame_index: Optional[list[str]] = None,
        *,
        deadline: Optional[float] = None,
    ) -> Any:
        """Query into DataFrames.

        Statements that are not ``SELECT`` return what :meth:`InfluxDBClient.query` returns.
        For ``SELECT``: one statement gives a dict of DataFrames keyed by measurement, or
        ``(measurement, ((tag, value), ...))`` per series of a ``GROUP BY``; several
        statements give a list of such dicts; ``chunked=True`` gives a generator of one
        dict per chunk.  The index is a UTC ``DatetimeIndex`` at nanosecond precision.

        :param query: the statement(s)
        :param params: extra query-string parameters (never modified)
        :param bind_params: values for ``$name`` placeholders
        :param epoch: unit of the times on the wire (any unit gives the same index);
            ``None`` asks for nanoseconds
        :param expected_response_code: the status that means success
        :param database: the database (default: the client's)
        :param raise_errors: raise on a statement error
        :param chunked: stream the answer, one dict of DataFrames per chunk
        :param chunk_size: points per chunk asked of the server
        :param method: ``'GET'`` or ``'POST'``
        :param dropna: drop columns that are entirely missing
        :param data_frame_index: columns to index by instead of ``time``
        :param deadline: seconds this call may take in all, instead of the client's
        :raises InfluxDBClientError: (a subclass) a refused statement
        """
        if not isinstance(query, str):
            raise InfluxDBArgumentTypeError(f"query must be a str, got {type(query).__name__}")
        if not query.strip().upper().startswith("SELECT"):
            return super().query(query, params=params, bind_params=bind_params, epoch=epoch,
                                 expected_response_code=expected_response_code,
                                 database=database, raise_errors=raise_errors,
                                 chunked=chunked, chunk_size=chunk_size, method=method,
                                 deadline=deadline)
        dataframe_module = _dataframe_module()
        wire_epoch = epoch if epoch is not None else "ns"
        answers = self._query_raw(  # checks the epoch before sending
            query, params=params, bind_params=bind_params, epoch=wire_epoch,
            expected_response_code=expected_response_code, database=database,
            chunked=chunked, chunk_size=chunk_size, method=method,
            deadline=build.check_deadline(deadline))
        unit_nanos = PRECISION[wire_epoch].nanos
        options = {"raise_errors": raise_errors, "dropna": dropna, "unit_nanos": unit_nanos,
                   "index_columns": data_frame_index}
        if chunked:
            return (dataframe_module.frames_of_results(document.get("results", []), **options)
                    for document in answers)
        frames = [dataframe_module.frames_of_results([answer], **options) for answer in answers]
        if len(frames) == 1:
            return frames[0]
        return frames

    # -- 5.3.2 private helpers that user code calls --------------------------------------
    def _to_dataframe(self, rs: Any, dropna: bool = True,
                      data_frame_index: Optional[list[str]] = None) -> Any:
        """Result set(s) -> dict(s) of DataFrames (times as the ResultSet holds them)."""
        dataframe_module = _dataframe_module()
        if isinstance(rs, list):
            return [self._to_dataframe(r, dropna, data_frame_index) for r in rs]
        return dataframe_module.frames_of_results([rs.raw], raise_errors=False, dropna=dropna,
                                                  index_columns=data_frame_index)

    def _convert_dataframe_to_lines(self, dataframe: Any, measurement: str,
                                    field_columns: Optional[list[Any]] = None,
                                    tag_columns: Optional[list[Any]] = None,
                                    global_tags: Optional[dict[str, Any]] = None,
                                    time_precision: Optional[str] = None,
                                    numeric_precision: Any = None) -> list[str]:
        """The lines ``write_points`` would send, as strings without ``\\n``."""
        plan = _dataframe_module().LinePlan(
            dataframe, measurement, tags=global_tags, tag_columns=tag_columns,
            field_columns=field_columns, precision=normalize_precision(time_precision),
            numeric_precision=numeric_precision)
        return plan.lines()  # type: ignore[no-any-return]

    @staticmethod
    def _convert_dataframe_to_json(dataframe: Any, measurement: str,
                                   tags: Optional[dict[str, Any]] = None,
                                   tag_columns: Optional[list[Any]] = None,
                                   field_columns: Optional[list[Any]] = None,
                                   time_precision: Optional[str] = None) -> list[dict[str, Any]]:
        """The point dicts ``write_points(protocol='json')`` would send."""
        return _dataframe_module().frame_points(  # type: ignore[no-any-return]
            dataframe, measurement, tags=tags, tag_columns=tag_columns,
            field_columns=field_columns, precision=normalize_precision(time_precision))

    @staticmethod
    def _stringify_dataframe(dframe: Any, numeric_precision: Any,
                             datatype: str = "field") -> Any:
        """Each cell as line protocol writes it (``datatype`` ``'field'`` or ``'tag'``)."""
        return _dataframe_module().frame_strings(dframe, numeric_precision, datatype)

    def _datetime_to_epoch(self, datetime: Any, time_precision: str = "s") -> Any:
        """Seconds (as a float) since the epoch in ``time_precision`` units (5.3.2)."""
        seconds = (datetime - self.EPOCH).total_seconds()
        nanos = NANOS_PER[time_precision]  # KeyError for another spelling, as before
        if nanos >= 10**9:  # 's', 'm', 'h': divided, as 5.3.2 did
            return seconds / (nanos // 10**9)
        return seconds * (10**9 // nanos)
