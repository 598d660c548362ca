"""The retry policy value (influxdb._core._retry): attempts, backoff sequence, jitter, Retry-After;
the retry decision and the one table of retryable failures, as exact tables."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Optional

import pytest

from influxdb._core._retry import (
    DEFAULT_RETRY_STATUSES,
    RETRY_AFTER_CEILING,
    Decision,
    Retry,
    TransientFailure,
    decide,
    is_certificate_failure,
    is_retryable,
    parse_retry_after,
    retry_after_of,
)
from influxdb.exceptions import (
    InfluxDBArgumentError,
    InfluxDBBrokenAnswerError,
    InfluxDBClientError,
    InfluxDBPartialWriteError,
    InfluxDBServerError,
)


@pytest.mark.parametrize(
    ("given", "total"),
    [(3, 3), (0, 0), (1, 1), (None, 1), (Retry(total=7), 7)],
)
def test_from_int_normalises_the_constructor_argument(given: object, total: int) -> None:
    assert Retry.from_int(given).total == total  # type: ignore[arg-type]


def test_from_int_keeps_a_policy_object_as_is() -> None:
    policy = Retry(total=2, backoff_factor=1.5)
    assert Retry.from_int(policy) is policy


@pytest.mark.parametrize("bad", [-1, 2.5, "3", True])
def test_from_int_refuses_other_values(bad: object) -> None:
    with pytest.raises(ValueError, match="retries must be"):
        Retry.from_int(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs", [{"total": -1}, {"backoff_factor": -0.1}, {"backoff_max": -1.0}],
)
def test_constructor_refuses_negative_values(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Retry(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("total", "made", "left"),
    [(3, 1, True), (3, 2, True), (3, 3, False), (1, 1, False), (0, 1, True), (0, 10_000, True)],
)
def test_has_attempts_left_counts_attempts(total: int, made: int, left: bool) -> None:
    assert Retry(total=total).has_attempts_left(made) is left


@pytest.mark.parametrize(
    ("elapsed", "left"), [(0.0, True), (9.99, True), (10.0, False), (50.0, False)],
)
def test_max_retry_time_bounds_retries_by_time(elapsed: float, left: bool) -> None:
    policy = Retry(total=0, max_retry_time=10.0)
    assert policy.has_attempts_left(5, started=100.0, now=100.0 + elapsed) is left


def test_max_retry_time_is_ignored_without_a_start() -> None:
    assert Retry(total=0, max_retry_time=0.0).has_attempts_left(3) is True


def test_a_start_needs_the_current_reading_of_the_same_clock() -> None:
    # The policy reads no clock of its own (the core's rule): the caller hands both in.
    with pytest.raises(InfluxDBArgumentError, match=r"needs now=\.\.\., a reading of the same "):
        Retry(total=0, max_retry_time=10.0).has_attempts_left(5, started=100.0)
    assert Retry(total=3).has_attempts_left(1, started=100.0) is True  # no max_retry_time


@pytest.mark.parametrize(
    ("made", "cap"),
    [(0, 0.0), (1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (6, 10.0), (7, 10.0),
     (200, 10.0)],
)
def test_capped_backoff_doubles_up_to_the_maximum(made: int, cap: float) -> None:
    assert Retry(backoff_factor=0.5, backoff_max=10.0).capped_backoff(made) == cap


def test_zero_backoff_factor_means_no_wait() -> None:
    assert Retry(backoff_factor=0).get_backoff_time(5, rand=lambda: 0.9) == 0.0


@pytest.mark.parametrize(("rand", "wait"), [(0.0, 1.0), (0.5, 1.5), (0.999, 1.999)])
def test_equal_jitter_draws_between_half_the_cap_and_the_cap(rand: float, wait: float) -> None:
    policy = Retry(backoff_factor=0.5, backoff_max=10.0)
    assert policy.get_backoff_time(3, rand=lambda: rand) == pytest.approx(wait)


def test_jitter_bounds_with_the_real_random_source() -> None:
    policy = Retry(backoff_factor=0.25, backoff_max=4.0)
    for made in range(1, 12):
        cap = policy.capped_backoff(made)
        for _ in range(200):
            assert cap / 2 <= policy.get_backoff_time(made) <= cap


@pytest.mark.parametrize(
    ("retry_after", "rand", "wait"),
    [
        (None, 0.5, 1.5),      # no header: jittered backoff (cap 2.0)
        (3.0, 0.5, 3.0),       # the server asks for more than the backoff: honoured
        (0.2, 0.5, 1.5),       # the backoff is longer than asked: kept
        (500.0, 0.0, 60.0),    # capped by retry_after_max
        (0.0, 0.25, 1.25),     # "Retry-After: 0" adds nothing
    ],
)
def test_retry_after_is_a_floor_capped_by_retry_after_max(
    retry_after: Optional[float], rand: float, wait: float
) -> None:
    policy = Retry(backoff_factor=0.5, backoff_max=10.0, retry_after_max=60.0)
    assert policy.get_backoff_time(3, retry_after, rand=lambda: rand) == pytest.approx(wait)


def test_retry_after_can_be_ignored() -> None:
    policy = Retry(backoff_factor=0.5, respect_retry_after=False)
    assert policy.get_backoff_time(1, 30.0, rand=lambda: 0.5) == 0.375


@pytest.mark.parametrize(
    ("status", "retried"),
    [(429, True), (500, True), (502, True), (503, True), (504, True), (400, False),
     (401, False), (404, False), (501, False)],
)
def test_default_retryable_statuses(status: int, retried: bool) -> None:
    assert Retry().is_retryable_status(status) is retried
    assert (status in DEFAULT_RETRY_STATUSES) is retried


def test_with_total_copies() -> None:
    policy = Retry(total=3, backoff_factor=2.0)
    other = policy.with_total(9)
    assert (other.total, other.backoff_factor, policy.total) == (9, 2.0, 3)


NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("0", 0.0),
        ("5", 5.0),
        ("7", 7.0),
        (" 5 ", 5.0),
        (" 120 ", 120.0),
        ("\t5\r\n", 5.0),
        ("007", 7.0),
        ("Tue, 14 Nov 2023 22:13:50 GMT", 30.0),    # an HTTP-date 30 s ahead
        ("Tue, 14 Nov 2023 22:13:00 GMT", 0.0),     # in the past: no wait
        ("Tue, 14 Nov 2023 22:13:50 -0000", 30.0),  # no zone: GMT, whatever the local zone
        ("Tuesday, 14-Nov-23 22:13:50 GMT", 30.0),  # the obsolete RFC 850 form
        ("Tue, 14 Nov 2023 22:13:50 +0100", 0.0),   # an hour earlier: in the past
        ("Fri, 31 Dec 9999 23:59:59 GMT", 86_400.0),  # far ahead: the ceiling
        ("Tue, 14 Nov 2023 25:13:50 GMT", None),    # no such hour
        ("Tue, 14 Nov 99999 22:13:50 GMT", None),   # no such year
        ("86400", 86_400.0),
        ("86401", 86_400.0),                        # capped at one day (RETRY_AFTER_CEILING)
        ("9" * 30, 86_400.0),
        ("9" * 5000, 86_400.0),                     # more digits than int() takes
        ("soon", None),
        ("-1", None),
        ("-5", None),
        ("+5", None),
        ("1.5", None),                              # RFC 9110: delta-seconds are digits
        ("1e3", None),
        ("0x10", None),
        ("5 5", None),
        ("5s", None),
        ("\u00b2", None),          # '²': str.isdigit() is true, float() refuses it
        ("\u0663", None),          # '٣' (Arabic-Indic three): isdigit() and float() take it
        ("\uff15", None),          # fullwidth '５'
        ("1\u00b2", None),
    ],
)
def test_parse_retry_after(header: Optional[str], seconds: Optional[float]) -> None:
    assert parse_retry_after(header, now=NOW) == seconds


@pytest.mark.parametrize("header", ["\u00b2", "\u0663", "-1", "1e3", "", "soon", "9" * 5000])
def test_a_malformed_or_huge_retry_after_leaves_the_backoff_in_charge(header: str) -> None:
    # Malformed: treated as absent, the jittered backoff decides.  Huge: capped by
    # retry_after_max.  Never an exception.
    policy = Retry(backoff_factor=0.5, backoff_max=10.0, retry_after_max=60.0)
    parsed = parse_retry_after(header, now=NOW)
    expected = 60.0 if header.startswith("9") else 1.5
    assert policy.get_backoff_time(3, parsed, rand=lambda: 0.5) == expected


def test_the_ceiling_is_one_day() -> None:
    assert RETRY_AFTER_CEILING == 86_400.0


# -- the retry decision and the table of retryable failures ----------------------------------

class _Refused(Exception):
    """A transport's connection failure (what requests' ConnectionError is to the sync one)."""


_TRANSPORT = (_Refused,)
_CERTIFICATE = ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed "
                "certificate (_ssl.c:1006)")


@pytest.mark.parametrize(("error", "retried"), [
    (_Refused("refused"), True),
    (_Refused("EOF occurred in violation of protocol"), True),
    (_Refused(_CERTIFICATE), False),
    (_Refused("certificate verify failed"), False),
    (_Refused("CERTIFICATE_VERIFY_FAILED"), False),
    (TransientFailure("query engine shutdown"), True),
    (InfluxDBBrokenAnswerError("cut short"), True),
    (InfluxDBBrokenAnswerError("too large", too_large=True), False),
    (InfluxDBServerError("down", 503), True),
    (InfluxDBServerError("no code"), True),
    (InfluxDBServerError("not implemented", 501), False),
    (InfluxDBClientError("slow down", 429), True),
    (InfluxDBClientError("bad", 400), False),
    (InfluxDBPartialWriteError("partial write", 400), False),
    (ValueError(_CERTIFICATE), False),
    (ValueError("x"), False),
])
def test_the_table_of_retryable_failures(error: BaseException, retried: bool) -> None:
    assert is_retryable(error, Retry(), _TRANSPORT) is retried


def test_a_transport_failure_is_retried_only_by_its_transport() -> None:
    assert is_retryable(_Refused("refused"), Retry()) is False


@pytest.mark.parametrize(("text", "failed"), [
    (_CERTIFICATE, True), ("certificate verify failed", True), ("Certificate_Verify_Failed", True),
    ("EOF occurred in violation of protocol", False), ("certificate has expired", False),
])
def test_one_certificate_failure_test(text: str, failed: bool) -> None:
    assert is_certificate_failure(_Refused(text)) is failed


# policy, attempts made, seconds used, error, Retry-After, seconds left -> the decision
# (the jitter fixed at its lowest: half the backoff's cap).
_STEADY = Retry(total=3, backoff_factor=1.0, backoff_max=30.0)


@pytest.mark.parametrize(("policy", "attempts", "elapsed", "error", "retry_after", "left",
                          "decision"), [
    (_STEADY, 1, 0.1, _Refused("x"), None, None, Decision(0.5)),
    (_STEADY, 2, 0.7, _Refused("x"), None, None, Decision(1.0)),
    (_STEADY, 3, 2.0, _Refused("x"), None, None,
     Decision(None, "gave up after 3 attempts over 2.0s")),
    (_STEADY, 1, 0.1, _Refused(_CERTIFICATE), None, None, Decision(None)),
    (_STEADY, 2, 0.75, InfluxDBClientError("bad", 400), None, None,
     Decision(None, "gave up after 2 attempts over 0.8s")),
    (_STEADY, 1, 0.1, InfluxDBServerError("busy", 503), 4.0, None, Decision(4.0)),
    (_STEADY, 1, 0.1, InfluxDBServerError("busy", 503), 600.0, None, Decision(60.0)),
    (_STEADY, 1, 0.1, InfluxDBServerError("busy", 503), 4.0, 4.0, Decision(None)),
    (_STEADY, 2, 1.0, InfluxDBServerError("busy", 503), None, 1.01, Decision(1.0)),
    (_STEADY, 2, 1.0, InfluxDBServerError("busy", 503), None, 1.0,
     Decision(None, "gave up after 2 attempts over 1.0s")),
    (Retry(total=0, backoff_factor=0), 10_000, 1e6, _Refused("x"), None, None, Decision(0.0)),
    (Retry(total=0, backoff_factor=0, max_retry_time=10.0), 4, 9.9, _Refused("x"), None, None,
     Decision(0.0)),
    (Retry(total=0, backoff_factor=0, max_retry_time=10.0), 4, 10.0, _Refused("x"), None,
     None, Decision(None, "gave up after 4 attempts over 10.0s")),
    (Retry(total=1), 1, 0.2, _Refused("x"), None, None, Decision(None)),
])
def test_the_decision(policy: Retry, attempts: int, elapsed: float, error: BaseException,
                      retry_after: Optional[float], left: Optional[float],
                      decision: Decision) -> None:
    assert decide(policy, attempts, elapsed, error, transport_errors=_TRANSPORT,
                  retry_after=retry_after, time_left=left, rand=lambda: 0.0) == decision


def _answer(retry_after: Any = None) -> InfluxDBServerError:
    """An error answer's exception, with the ``retry_after`` the core read from it."""
    error = InfluxDBServerError("answer", 503)
    error.retry_after = retry_after
    return error


class _Foreign(Exception):
    """A foreign exception carrying its answer (as ``requests``' ``HTTPError`` does)."""

    def __init__(self, headers: Optional[dict[str, str]] = None):
        super().__init__("answer")
        if headers is not None:
            self.response = SimpleNamespace(headers=headers)


@pytest.mark.parametrize(("error", "seconds"), [
    (_answer(retry_after=4), 4.0),
    (_answer(retry_after=2.5), 2.5),
    (_answer(retry_after=True), None),
    (_answer(), None),
    (InfluxDBServerError("no header", 503), None),
    (_Foreign(headers={"Retry-After": "7"}), 7.0),
    (_Foreign(headers={"Retry-After": "Tue, 14 Nov 2023 22:13:50 GMT"}), 30.0),
    (_Foreign(headers={}), None),
    (_Foreign(), None),
])
def test_retry_after_of_a_failure(error: BaseException, seconds: Optional[float]) -> None:
    assert retry_after_of(error, NOW) == seconds
