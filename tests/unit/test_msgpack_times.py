"""msgpack timestamps (extension type 5) decode to exactly the RFC3339Nano text of JSON."""

from __future__ import annotations

import struct

import msgpack
import pytest

from influxdb._core import answers
from influxdb._core.answers import decode_msgpack, msgpack_ext_hook
from influxdb._core.times import format_rfc3339


def stamp(seconds: int, nanos: int) -> msgpack.ExtType:
    return msgpack.ExtType(5, struct.pack(">qI", seconds, nanos))


@pytest.mark.parametrize(("seconds", "nanos", "text"), [
    (0, 0, "1970-01-01T00:00:00Z"),
    (0, 1, "1970-01-01T00:00:00.000000001Z"),
    (1_600_000_000, 500_000_000, "2020-09-13T12:26:40.5Z"),
    (1_600_000_000, 123_456_000, "2020-09-13T12:26:40.123456Z"),
    (1_600_000_000, 999_999_999, "2020-09-13T12:26:40.999999999Z"),
    (1_600_000_000, 10, "2020-09-13T12:26:40.00000001Z"),
    (-1, 999_000_000, "1969-12-31T23:59:59.999Z"),
])
def test_one_timestamp(seconds: int, nanos: int, text: str) -> None:
    ext = stamp(seconds, nanos)
    assert msgpack_ext_hook(ext.code, ext.data) == text


def test_other_extension_types_are_kept() -> None:
    assert msgpack_ext_hook(7, b"ab") == msgpack.ExtType(7, b"ab")
    assert msgpack_ext_hook(5, b"short") == msgpack.ExtType(5, b"short")


@pytest.mark.parametrize("spacing", [1, 1000, 1_000_000, 10**9 // 3])
def test_many_rows_through_the_fraction_cache(spacing: int) -> None:
    # More distinct fractions than the cache holds, so it is cleared several times on the
    # way; every row must still read exactly as the JSON answer would.
    count = 3 * answers._FRACTION_CACHE_SIZE + 17
    base = 1_700_000_000 * 10**9
    nanos = [base + i * spacing for i in range(count)]
    rows = [[stamp(n // 10**9, n % 10**9), i] for i, n in enumerate(nanos)]
    body = msgpack.packb({"results": [{"series": [{"values": rows}]}]})
    decoded = decode_msgpack(body)["results"][0]["series"][0]["values"]
    assert decoded == [[format_rfc3339(n), i] for i, n in enumerate(nanos)]
    assert len(answers._FRACTION_TEXT) <= answers._FRACTION_CACHE_SIZE
    assert answers._FRACTION_TEXT[b"\x00\x00\x00\x00"] == "Z"
