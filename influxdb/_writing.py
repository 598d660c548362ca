"""The write half of :class:`~influxdb.client.InfluxDBClient`: HTTP and UDP writes.

Every write path (``write``, ``write_points``, ``write_point``, the batching writer, sessions,
``SeriesHelper``, ``DataFrameClient``) ends in :meth:`WriteMixin._write_payload`, so retries,
error mapping and the opt-in creation of a missing database live in one place.

Points are encoded (and so validated) before anything is sent: a bad point raises
:class:`~influxdb.exceptions.InfluxDBInvalidPointError` and nothing of the call is written.
The one exception is an iterator with ``batch_size``, read and encoded batch by batch while
the previous batch is sent (:mod:`influxdb._write_batches`); its ``write_report`` tells what
was written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Optional

from influxdb._core import requests as build
from influxdb._stamping import warn_shared_server_time
from influxdb._timeutil import normalize_precision
from influxdb._write_args import check_consistency
from influxdb._write_batches import WriteReport, batched, send_batches
from influxdb._write_encoding import EncodeMixin, _is_sequence, _line_body
from influxdb.exceptions import (
    InfluxDBArgumentAttributeError,
    InfluxDBArgumentTypeError,
    InfluxDBDatabaseNotFoundError,
    InfluxDBInvalidPointError,
)
from influxdb.line_protocol import make_lines
from influxdb.point import RecordMapping, points_from_records

if TYPE_CHECKING:
    from influxdb._retry import Retry
    from influxdb._transport import Response, UDPSender
    from influxdb.batching import BatchWriter, Session

__all__ = ["WriteMixin", "WriteReport"]

log = logging.getLogger("influxdb")

#: The timeout of the writes made in this context where the write names none: the
#: SeriesHelper bounds its commits with it while keeping its 5.3.2 call,
#: ``client.write_points(points, time_precision=..., retention_policy=...)``.
write_timeout: ContextVar[Any] = ContextVar("influxdb_write_timeout", default=None)


class WriteMixin(EncodeMixin):
    """Write methods; mixed into :class:`~influxdb.client.InfluxDBClient`."""

    # Provided by InfluxDBClient.
    _database: Optional[str]
    _headers: dict[str, str]
    _default_tags: dict[str, Any]
    _default_time_precision: Optional[str]
    _default_retention_policy: Optional[str]
    _create_database_if_missing: bool
    _udp: Optional[UDPSender]
    _retry_policy: Retry

    if TYPE_CHECKING:
        def _send(self, request: build.Request, *, retry: Optional[Retry] = ...,
                  timeout: Any = ...) -> Response: ...

        def create_database(self, dbname: str) -> None: ...

    # -- sending -------------------------------------------------------------------------
    def _write_payload(
        self,
        body: bytes,
        *,
        database: Optional[str] = None,
        retention_policy: Optional[str] = None,
        precision: Optional[str] = None,
        consistency: Optional[str] = None,
        retry: Optional[Retry] = None,
        timeout: Any = None,
    ) -> None:
        """POST one line-protocol body to ``/write`` (with the client's retry policy).

        ``timeout`` (seconds or ``(connect, read)``) replaces the client's timeout for this
        request only (the batching writer bounds its requests so, whatever the client's).

        :raises InfluxDBClientError: (a subclass) the server refused the write
        :raises InfluxDBServerError: 5xx once retries are spent
        :raises requests.exceptions.RequestException: transport failure once retries are spent
        """
        db = database or self._database
        request = build.write_request(body, params=build.write_params(
            database=db, retention_policy=retention_policy, precision=precision,
            consistency=consistency), headers=self._headers)
        if timeout is None:
            timeout = write_timeout.get()
        try:
            self._send(request, retry=retry, timeout=timeout)
        except InfluxDBDatabaseNotFoundError:
            if not self._create_database_if_missing or db is None:
                raise
            self.create_database(db)
            self._send(request, retry=retry, timeout=timeout)

    def write(
        self,
        data: Any,
        params: Optional[dict[str, Any]] = None,
        expected_response_code: int = 204,
        protocol: str = "json",
    ) -> bool:
        """Write data as it is given: the low-level call under :meth:`write_points`.

        :param data: ``protocol='json'``: an envelope ``{'points': [...], 'tags': {...}}``;
            ``'line'``: a line string or a list of them; anything else is sent unchanged
        :param params: query-string parameters (``db``, ``precision``, ``rp``...)
        :param expected_response_code: the status that means success
        :param protocol: ``'json'`` or ``'line'``
        :returns: ``True``
        """
        precision = params.get("precision") if params else None
        if protocol == "json":
            data = make_lines(data, precision).encode("utf-8")
        elif protocol == "line":
            data = _line_body(data)
        self._send(build.write_request(data, params=params, headers=self._headers,
                                       expected=expected_response_code))
        return True

    def write_points(
        self,
        points: Any,
        time_precision: Optional[str] = None,
        database: Optional[str] = None,
        retention_policy: Optional[str] = None,
        tags: Optional[dict[str, Any]] = None,
        batch_size: Optional[int] = None,
        protocol: str = "json",
        consistency: Optional[str] = None,
        *,
        record_measurement: Optional[str] = None,
        record_measurement_key: Optional[str] = None,
        record_tag_keys: Optional[Iterable[str]] = None,
        record_field_keys: Optional[Iterable[str]] = None,
        record_time_key: Optional[str] = None,
        record_time_precision: Optional[str] = None,
    ) -> bool:
        """Write points.

        :param points: dicts ``{'measurement', 'tags', 'fields', 'time'}``,
            :class:`~influxdb.point.Point` objects or line strings (``protocol='json'``), or line
            strings (``protocol='line'``); any iterable
        :param time_precision: ``'n'``/``'ns'``, ``'u'``, ``'ms'``, ``'s'``, ``'m'`` or ``'h'``:
            the unit of integer times, and the precision datetimes are written at (floored)
        :param database: target database (default: the client's)
        :param retention_policy: target retention policy (default: the client's
            ``default_retention_policy``; when that is ``None`` too, none is sent and the
            server writes to the database's default retention policy)
        :param tags: tags added to every point (a point's own tags win)
        :param batch_size: send in requests of this many points; on failure the exception
            carries ``write_report`` telling which batches were written
        :param protocol: ``'json'`` or ``'line'``
        :param consistency: ``'any'``, ``'one'``, ``'quorum'`` or ``'all'`` (clusters)
        :param record_measurement: write dataclasses, named tuples or other objects: the
            measurement of every record (or ``record_measurement_key``: the attribute holding
            it); ``record_tag_keys``, ``record_field_keys``, ``record_time_key`` and
            ``record_time_precision`` name the rest (see
            :meth:`~influxdb.point.Point.from_record`)
        :returns: ``True`` once every point was accepted
        :raises InfluxDBInvalidPointError: (an ``InfluxDBArgumentError``, also a
            ``ValueError``) before anything is sent: a point that cannot be written (naming
            it), an unknown ``time_precision``, ``consistency`` or ``protocol``, ``tags`` that
            are not a dict, inconsistent ``record_*`` options or a record lacking an attribute,
            with ``use_udp=True`` a line too long for one datagram
        :raises InfluxDBArgumentTypeError: (also a ``TypeError``) a ``batch_size`` that is not
            an int
        :raises InfluxDBDatabaseNotFoundError: no such database (unless the client was
            created with ``create_database_if_missing=True``)
        :raises InfluxDBRetentionPolicyNotFoundError: no such retention policy
        :raises InfluxDBWriteError: the server refused the points (``unable to parse``, times
            outside the retention policy); its subclass ``InfluxDBPartialWriteError`` when
            some were dropped, and ``InfluxDBFieldTypeConflictError`` when a field changed
            type
        :raises InfluxDBAuthenticationError: 401, missing or wrong credentials
        :raises InfluxDBAuthorizationError: 403, the user may not write to the database
        :raises InfluxDBClientError: any other refusal (``NotInfluxDBClientError`` when the
            answer did not come from InfluxDB)
        :raises InfluxDBServerError: a 5xx once the client's retries are spent
            (``NotInfluxDBServerError`` when the answer did not come from InfluxDB)
        :raises requests.exceptions.ConnectionError: the server could not be reached, once
            the retries are spent (``requests.exceptions.Timeout`` when it did not answer in
            time)
        :raises OSError: with ``use_udp=True``, the socket refused a datagram

        With ``batch_size``, an exception raised by a request carries ``write_report``
        (batches written, failed and never sent).
        """
        mapping = RecordMapping.from_options(
            record_measurement=record_measurement, record_measurement_key=record_measurement_key,
            record_tag_keys=record_tag_keys, record_field_keys=record_field_keys,
            record_time_key=record_time_key, record_time_precision=record_time_precision)
        if mapping is not None:
            points = points_from_records(points, mapping)
        if time_precision is None:
            time_precision = self._default_time_precision
        precision = normalize_precision(time_precision)
        check_consistency(consistency)
        if retention_policy is None:
            retention_policy = self._default_retention_policy

        def encode(chunk: Any, start: int = 0) -> bytes:
            """One request's body; warns when its timeless points would share a time."""
            if protocol != "json":
                return self._encode_points(chunk, tags=tags, time_precision=precision,
                                           protocol=protocol, start=start)
            if isinstance(chunk, Iterable) and not isinstance(
                    chunk, (Mapping, str, bytes)) and not _is_sequence(chunk):
                chunk = list(chunk)  # read once: encoded, then looked at for shared times
            timeless = [0]  # counted by the encoder: nothing to pay for points with times
            body = self._encode_points(chunk, tags=tags, time_precision=precision,
                                       protocol=protocol, start=start, timeless=timeless)
            if timeless[0] > 1:
                warn_shared_server_time(chunk, {**self._default_tags, **(tags or {})}, log)
            return body

        if self._udp is not None:
            self._send_udp_batches(points, batch_size, encode)
            return True

        def send(body: bytes) -> None:
            if body:  # a batch of nothing but empty lines has nothing to write
                self._write_payload(body, database=database,
                                    retention_policy=retention_policy, precision=precision,
                                    consistency=consistency)

        if batch_size is not None and (isinstance(batch_size, bool)
                                       or not isinstance(batch_size, int)):
            raise InfluxDBArgumentTypeError(
                f"batch_size must be an int, not {type(batch_size).__name__}")
        if not batch_size or batch_size <= 0:
            send(encode(points))
            return True
        if protocol == "line" and isinstance(points, (str, bytes)):
            points = [points]
        if _is_sequence(points):
            # Encode every batch first: a bad point anywhere means nothing is written.
            if type(points) not in (list, tuple):
                points = list(points)
            bodies = [encode(points[at:at + batch_size], at)
                      for at in range(0, len(points), batch_size)]
            send_batches(bodies, lambda body, _: body, send, batch_size, total=len(bodies))
            return True

        def prepare(chunk: list[Any], index: int) -> bytes:
            return encode(chunk, index * batch_size)

        # An iterator is read and encoded one batch ahead of the request in flight.
        send_batches(batched(points, batch_size), prepare, send, batch_size, keep_points=True)
        return True

    def write_point(
        self,
        measurement: str,
        fields: dict[str, Any],
        tags: Optional[dict[str, Any]] = None,
        time: Any = None,
        *,
        database: Optional[str] = None,
        retention_policy: Optional[str] = None,
        time_precision: Optional[str] = None,
    ) -> bool:
        """Write one point.

        :param measurement: the measurement
        :param fields: field names and values
        :param tags: tag names and values
        :param time: a datetime, RFC3339 string, or integer in ``time_precision``; ``None``
            lets the server stamp it
        :returns: ``True``
        """
        point: dict[str, Any] = {"measurement": measurement, "fields": fields}
        if tags:
            point["tags"] = tags
        if time is not None:
            point["time"] = time
        return self.write_points([point], time_precision=time_precision, database=database,
                                 retention_policy=retention_policy)

    # -- UDP -----------------------------------------------------------------------------
    def _send_udp_batches(self, points: Any, batch_size: Optional[int],
                          encode: Any) -> None:
        if batch_size and batch_size > 0:
            bodies = [encode(chunk) for chunk in batched(points, batch_size)]
        else:
            bodies = [encode(points)]
        for body in bodies:
            if body:
                self._udp_send(body)

    def _udp_send(self, body: bytes, lines: Optional[int] = None) -> None:
        # lines: how many lines the body holds, when the caller knows it exactly
        if self._udp is None:
            raise InfluxDBArgumentAttributeError("this client was not created with use_udp=True")
        self._udp.send(body, lines)

    def send_packet(self, packet: Any, protocol: str = "json",
                    time_precision: Optional[str] = None) -> None:
        """Send points to the UDP listener (fire and forget).

        :param packet: ``protocol='json'``: an envelope ``{'points': [...], 'tags': {...}}``;
            ``'line'``: a line string or a list of them
        :param protocol: ``'json'`` or ``'line'``
        :param time_precision: precision of the times (the listener's own precision setting
            decides how the server reads them)
        :raises InfluxDBInvalidPointError: bad points, an unknown protocol, or a line too long
            for one datagram (payloads longer than a datagram are split on line boundaries)
        """
        precision = normalize_precision(time_precision)
        if protocol == "json":
            body = make_lines(packet, precision).encode("utf-8")
        elif protocol == "line":
            body = _line_body(packet)
        else:
            raise InfluxDBInvalidPointError(
                f"Invalid protocol {protocol!r}: use 'json' or 'line'")
        self._udp_send(body)

    # -- batching ------------------------------------------------------------------------
    def batch_writer(self, **kwargs: Any) -> BatchWriter:
        """A background :class:`~influxdb.batching.BatchWriter` writing through this client."""
        from influxdb.batching import BatchWriter

        return BatchWriter(self, **kwargs)

    def session(self, **kwargs: Any) -> Session:
        """A write :class:`~influxdb.batching.Session` (commits on leaving a ``with`` block)."""
        from influxdb.batching import Session

        return Session(self, **kwargs)
