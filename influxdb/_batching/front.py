"""The caller's side of a batching write: arguments checked and points encoded *at the call*.

Everything that can be wrong with a write (precision, consistency, a missing database,
a point without fields, a value that cannot be stored, a record attribute that does not
exist) raises here, in the caller's thread, before anything is buffered: a background
thread has nobody to tell.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional

from influxdb._batching.buffer import Encoded, Target, encoded_from_body
from influxdb._core.requests import check_consistency
from influxdb._core.stamps import has_timeless, lines_may_be_timeless, stamp_points
from influxdb._core.times import PRECISION
from influxdb._stamping import CLOCK, SharedStamps
from influxdb.exceptions import InfluxDBArgumentTypeError, InfluxDBInvalidPointError
from influxdb.point import Point, RecordMapping, points_from_records

if TYPE_CHECKING:
    from influxdb.client import WriteClient

__all__ = ["WriteFront", "Writes", "check_precision"]

log = logging.getLogger("influxdb.batching")

#: Writes of at most this many points are looked at for timeless points before encoding
#: (cheaper than encoding twice); larger ones are counted by the encoder.
_LOOK_FIRST = 64


def check_precision(precision: Optional[str], name: str = "time_precision") -> Optional[str]:
    """Validate a precision and give its wire spelling (``'ns'`` -> ``'n'``).

    :raises InfluxDBInvalidPointError: (a ``ValueError``) on an unknown precision
    """
    if precision is None:
        return None
    if not isinstance(precision, str) or precision not in PRECISION:
        raise InfluxDBInvalidPointError(
            f"Invalid {name} {precision!r} (use 'n', 'u', 'ms', 's', 'm' or 'h')")
    return PRECISION[precision].write


def check_tags(tags: Optional[Mapping[str, Any]], name: str = "tags") -> dict[str, Any]:
    if tags is None:
        return {}
    if not isinstance(tags, Mapping) or not all(isinstance(k, str) and k for k in tags):
        raise InfluxDBInvalidPointError(f"{name} must be a dict with str keys, got {tags!r}")
    return dict(tags)


class WriteFront:
    """Defaults of one writer or session, and the encoding of each write call.

    :param client: the ``InfluxDBClient``, through its :class:`~influxdb.client.WriteClient`
        interface (its ``_encode_points`` encodes, with its default tags; its default
        database, precision and retention policy fill what is not given)
    :param database: default database of this writer (else the client's)
    :param retention_policy: default retention policy (else the client's default)
    :param time_precision: default precision (else the client's default, else ns)
    :param consistency: default write consistency (clusters only)
    :param tags: tags added to every point (a write's ``tags`` and a point's own tags win)
    :param who: the writer's kind, named in warnings
    """

    def __init__(self, client: WriteClient, *, database: Optional[str] = None,
                 retention_policy: Optional[str] = None, time_precision: Optional[str] = None,
                 consistency: Optional[str] = None,
                 tags: Optional[Mapping[str, Any]] = None, who: str = "BatchWriter") -> None:
        if not hasattr(client, "_encode_points"):  # a URL or a config passed by mistake
            raise InfluxDBArgumentTypeError(
                f"expected an InfluxDBClient, got {type(client).__name__}")
        self.client = client
        self.database = database
        self.time_precision = check_precision(time_precision)
        self.consistency = check_consistency(consistency)
        self.tags = check_tags(tags)
        self.udp = client._use_udp
        # The client's defaults are read once, here; its database at every write (a
        # switch_database() then applies to later writes, never to points already accepted).
        self.default_precision = self.time_precision or check_precision(
            client._default_time_precision)
        self.retention_policy = retention_policy or client._default_retention_policy
        self._last: Optional[Target] = None
        # Points without a time get the client's clock when accepted (the server would give
        # every point of a batch the same time); see influxdb._stamping.
        self.clock = CLOCK
        self.shared = SharedStamps(who, log)

    def target(self, *, time_precision: Optional[str], database: Optional[str],
               retention_policy: Optional[str], consistency: Optional[str]) -> Target:
        """Where a write goes, defaults applied now."""
        db = database or self.database or self.client._database
        if time_precision is None and retention_policy is None and consistency is None:
            last = self._last  # the common case: the same target as the previous write
            if last is not None and last.database == db:
                return last
        if db is None and not self.udp:
            raise InfluxDBInvalidPointError(
                "no database to write to: pass database= to the write or the writer, or "
                "create the client with database=")
        precision = check_precision(time_precision) or self.default_precision
        target = Target(db, retention_policy or self.retention_policy, precision,
                        check_consistency(consistency) or self.consistency)
        if time_precision is None and retention_policy is None and consistency is None:
            self._last = target
        return target

    def encode(
        self,
        points: Any,
        target: Target,
        *,
        tags: Optional[Mapping[str, Any]] = None,
        protocol: str = "json",
        mapping: Optional[RecordMapping] = None,
    ) -> Encoded:
        """Encode the points of one write call.

        :raises InfluxDBInvalidPointError: naming the bad point, before anything is kept
        """
        if protocol not in ("json", "line"):
            raise InfluxDBInvalidPointError(
                f"Invalid protocol {protocol!r}: use 'json' (points) or 'line'")
        kind = type(points)
        if kind is list or kind is tuple:
            pass  # the common case, checked first: ABC isinstance checks are slow
        elif mapping is not None:
            points = points_from_records(points, mapping)
        elif isinstance(points, (Point, Mapping)) or (
                protocol == "json" and isinstance(points, (str, bytes))):
            points = [points]  # one point: a convenience write_points does not offer
        elif protocol == "line" and isinstance(points, (str, bytes)):
            points = [points]
        elif not isinstance(points, Sequence):
            if not isinstance(points, Iterable):
                raise InfluxDBInvalidPointError(
                    f"points must be a list of points, got {type(points).__name__}")
            points = list(points)
        if mapping is not None and (kind is list or kind is tuple):
            points = points_from_records(points, mapping)
        body: Optional[bytes] = None
        stamped: Optional[list[tuple[str, int]]] = (
            None if target.precision in (None, "n") else [])
        if protocol == "line":
            # Lines go out as given (5.3.2), a line without a timestamp with one appended:
            # joining them checks that each is a str at C speed; anything else (bytes, wrong
            # types) takes the client's own path.
            try:
                text = "\n".join(points)
            except TypeError:
                text = None
                if all(isinstance(line, (str, bytes)) for line in points):
                    points = [line.decode("utf-8") if isinstance(line, bytes) else line
                              for line in points]
                    text = "\n".join(points)
            if text is not None:
                if points and lines_may_be_timeless(points, text):
                    points = stamp_points(points, target.precision, self.clock, None, stamped)
                    text = "\n".join(points)
                body = (text + "\n").encode("utf-8") if points else b""
        if body is None:
            if tags is None:
                merged: Optional[dict[str, Any]] = self.tags or None
            else:
                merged = {**self.tags, **check_tags(tags)}
            # Timeless points are found before encoding in a small write (a cheap look), and
            # counted while encoding in a large one (free when every point has a time; the
            # write is encoded again, stamped, when one has none).
            timeless = [0]
            if protocol == "json" and len(points) <= _LOOK_FIRST:
                timeless[0] = has_timeless(points)
            elif protocol == "json":
                body = self.client._encode_points(points, tags=merged or None,
                                                  time_precision=target.precision,
                                                  protocol=protocol, timeless=timeless)
            if timeless[0]:
                static = {**self.client._default_tags, **(merged or {})}
                points = stamp_points(points, target.precision, self.clock, static, stamped)
                body = None
            if body is None:
                body = self.client._encode_points(points, tags=merged or None,
                                                  time_precision=target.precision,
                                                  protocol=protocol)
        if stamped:
            self.shared.add((target.database, target.retention_policy), target.precision,
                            stamped)
        return encoded_from_body(body, len(points))


class Writes:
    """``write`` / ``write_point`` shared by :class:`BatchWriter` and :class:`Session`."""

    _front: WriteFront
    _retention_policy_per_write = True

    def _put(self, target: Target, encoded: Encoded) -> None:
        raise NotImplementedError

    def write(
        self,
        points: Any,
        time_precision: Optional[str] = None,
        database: Optional[str] = None,
        retention_policy: Optional[str] = None,
        tags: Optional[Mapping[str, Any]] = None,
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
    ) -> int:
        """Check and encode points now; buffer them for sending.

        Takes what ``InfluxDBClient.write_points`` takes (``batch_size`` is accepted and
        ignored: the writer's own batch size applies), plus one point alone (a dict, a
        :class:`~influxdb.point.Point` or a line), and records: dataclasses, named tuples or
        other objects described by the ``record_*`` arguments (see
        :meth:`~influxdb.point.Point.from_record`).  Points and lines without a time get the
        client's clock now, at the write's precision (docs/batching.rst, "Points without a
        time"); the objects passed are not modified.

        :returns: the number of points buffered
        :raises InfluxDBInvalidPointError: (a ``ValueError``) a bad point, precision,
            consistency or missing database; nothing of the call is buffered
        :raises WriterBufferFullError: the buffer stayed full (see ``overflow``)
        :raises WriterClosedError: the writer was closed
        """
        if retention_policy is not None and not self._retention_policy_per_write:
            # inflow's rule: a session's retention policy belongs to the whole session.
            raise InfluxDBArgumentTypeError(
                "a session's retention policy is set for the whole session: "
                "client.session(retention_policy=...)")
        target = self._front.target(time_precision=time_precision, database=database,
                                    retention_policy=retention_policy, consistency=consistency)
        mapping = RecordMapping.from_options(
            record_measurement=record_measurement,
            record_measurement_key=record_measurement_key, record_tag_keys=record_tag_keys,
            record_field_keys=record_field_keys, record_time_key=record_time_key,
            record_time_precision=record_time_precision)
        encoded = self._front.encode(points, target, tags=tags, protocol=protocol,
                                     mapping=mapping)
        self._put(target, encoded)
        return encoded.count

    def write_point(
        self,
        measurement: str,
        fields: Mapping[str, Any],
        tags: Optional[Mapping[str, Any]] = None,
        time: Any = None,
        *,
        database: Optional[str] = None,
        retention_policy: Optional[str] = None,
        time_precision: Optional[str] = None,
    ) -> int:
        """Buffer one point (the arguments of ``InfluxDBClient.write_point``).

        Without ``time`` the point gets the client's clock now (docs/batching.rst, "Points
        without a time").

        :returns: ``1``
        """
        point: dict[str, Any] = {"measurement": measurement, "fields": fields}
        if tags:
            point["tags"] = tags
        if time is not None:
            point["time"] = time
        return self.write([point], time_precision=time_precision, database=database,
                          retention_policy=retention_policy)
