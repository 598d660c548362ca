"""The sync transport's one retry loop (influxdb._transports.sync.retrying), with a clock and
waits that the tests hand it: attempts counted, waits as the decision says, the time left
handed to each attempt, a loop resumed from an earlier failure, interrupted waits, notes on
giving up."""

from __future__ import annotations

from typing import Any, Optional

import pytest
import requests

from influxdb._core._retry import Retry, TransientFailure
from influxdb._transports.sync import Tally, retrying
from influxdb.exceptions import InfluxDBClientError, InfluxDBServerError


class _NoJitter(Retry):
    """The lowest wait of each step (half its cap): exact figures."""

    def get_backoff_time(self, attempts_made: int, retry_after: Optional[float] = None,
                         rand: Any = None) -> float:
        return super().get_backoff_time(attempts_made, retry_after, rand=lambda: 0.0)


NO_JITTER = _NoJitter(total=4, backoff_factor=1.0, backoff_max=30.0)


class Clock:
    """Time that passes only when an attempt or a wait says so."""

    def __init__(self) -> None:
        self.now = 50.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.now += seconds
        return False


def failing(outcomes: list[Any], clock: Clock, took: float = 1.0) -> tuple[Any, list[Any]]:
    """An attempt raising (or returning) each outcome in turn, taking ``took`` seconds."""
    budgets: list[Optional[float]] = []

    def attempt(budget: Optional[float]) -> Any:
        budgets.append(budget)
        clock.now += took
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return attempt, budgets


def test_attempts_until_success_with_the_decided_waits() -> None:
    clock = Clock()
    refused = requests.exceptions.ConnectionError("refused")
    attempt, budgets = failing([refused, InfluxDBServerError("busy", 503), "ok"], clock)
    assert retrying(attempt, NO_JITTER, wait=clock.wait, clock=clock) == "ok"
    assert (clock.waits, budgets) == ([0.5, 1.0], [None, None, None])


def test_each_attempt_gets_the_time_the_deadline_leaves() -> None:
    clock = Clock()
    attempt, budgets = failing([requests.exceptions.ReadTimeout("silent")] * 4, clock, took=2.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        retrying(attempt, NO_JITTER, deadline=6.0, wait=clock.wait, clock=clock)
    # 6.0; 2 s spent, 0.5 waited: 3.5; 2 more and 1.0 waited: 0.5 s left, and the next wait
    # (2 s) would outlast it.
    assert (budgets, clock.waits) == ([6.0, 3.5, 0.5], [0.5, 1.0])


def test_a_refused_request_is_not_retried() -> None:
    clock = Clock()
    refused = InfluxDBClientError("bad", 400)
    attempt, budgets = failing([refused], clock)
    with pytest.raises(InfluxDBClientError) as info:
        retrying(attempt, NO_JITTER, wait=clock.wait, clock=clock)
    assert (info.value is refused, len(budgets), clock.waits, info.value.attempts) == (
        True, 1, [], 1)


def test_giving_up_notes_the_attempts_on_an_influxdb_error() -> None:
    clock = Clock()
    attempt, _ = failing([InfluxDBServerError('{"error":"boom"}', 500)] * 4, clock)
    with pytest.raises(InfluxDBServerError) as info:
        retrying(attempt, NO_JITTER, wait=clock.wait, clock=clock)
    assert (info.value.attempts, info.value.elapsed) == (4, 7.5)  # 4 x 1 s, 0.5 + 1 + 2
    assert str(info.value) == '{"error":"boom"} (gave up after 4 attempts over 7.5s)'


def test_giving_up_notes_the_attempts_on_a_transport_error() -> None:
    clock = Clock()
    attempt, _ = failing([requests.exceptions.ConnectionError("refused")] * 4, clock)
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        retrying(attempt, NO_JITTER, wait=clock.wait, clock=clock)
    assert str(info.value) == "refused"
    if hasattr(info.value, "add_note"):  # Python 3.11+
        assert info.value.__notes__ == ["gave up after 4 attempts over 7.5s"]


def test_no_note_when_asked_for_none() -> None:
    clock = Clock()
    attempt, _ = failing([InfluxDBServerError("busy", 503)] * 4, clock)
    with pytest.raises(InfluxDBServerError) as info:
        retrying(attempt, NO_JITTER, wait=clock.wait, clock=clock, annotate=False)
    assert (info.value.attempts, str(info.value)) == (1, "busy")


def test_a_resumed_loop_counts_on_and_decides_on_the_failure_first() -> None:
    # A chunked answer that broke before its first document, after one earlier attempt:
    # with total=4, two attempts are left, not four.
    clock = Clock()
    tally = Tally(clock())
    tally.attempts = 2
    clock.now += 3.0
    attempt, budgets = failing([TransientFailure("again")] * 3, clock)
    with pytest.raises(TransientFailure) as info:
        retrying(attempt, NO_JITTER, tally=tally, failure=TransientFailure("first"),
                 wait=clock.wait, clock=clock)
    assert (str(info.value), len(budgets), tally.attempts, clock.waits) == (
        "again", 2, 4, [1.0, 2.0])


def test_an_interrupted_wait_ends_the_loop() -> None:
    clock = Clock()
    attempt, budgets = failing([requests.exceptions.ConnectionError("refused")] * 4, clock)
    waits: list[float] = []

    def woken(seconds: float) -> bool:
        waits.append(seconds)
        return True  # close() set the event

    with pytest.raises(requests.exceptions.ConnectionError):
        retrying(attempt, NO_JITTER, wait=woken, clock=clock)
    assert (len(budgets), waits) == (1, [0.5])


def test_a_stopped_loop_neither_waits_nor_reports() -> None:
    clock = Clock()
    attempt, budgets = failing([requests.exceptions.ConnectionError("refused")] * 4, clock)
    retried: list[Any] = []
    with pytest.raises(requests.exceptions.ConnectionError):
        retrying(attempt, NO_JITTER, wait=clock.wait, clock=clock, stopped=lambda: True,
                 on_retry=lambda *args: retried.append(args))
    assert (len(budgets), clock.waits, retried) == (1, [], [])


def test_on_retry_is_told_before_each_wait() -> None:
    clock = Clock()
    errors = [requests.exceptions.ConnectionError("refused"), InfluxDBServerError("x", 503)]
    attempt, _ = failing([*errors, "ok"], clock)
    retried: list[Any] = []
    assert retrying(attempt, NO_JITTER, wait=clock.wait, clock=clock,
                    on_retry=lambda *args: retried.append(args)) == "ok"
    assert retried == [(errors[0], 1, 0.5), (errors[1], 2, 1.0)]


def test_a_certificate_that_failed_verification_is_not_retried() -> None:
    clock = Clock()
    failed = requests.exceptions.SSLError(
        "HTTPSConnectionPool(host='localhost', port=8086): Max retries exceeded with url: "
        "/ping (Caused by SSLError(SSLCertVerificationError(1, '[SSL: "
        "CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate')))")
    attempt, budgets = failing([failed, "ok"], clock)
    with pytest.raises(requests.exceptions.SSLError) as info:
        retrying(attempt, NO_JITTER, wait=clock.wait, clock=clock)
    assert (info.value is failed, len(budgets), clock.waits) == (True, 1, [])


def test_other_tls_failures_are_retried() -> None:
    clock = Clock()
    attempt, budgets = failing(
        [requests.exceptions.SSLError("EOF occurred in violation of protocol"), "ok"], clock)
    assert retrying(attempt, NO_JITTER, wait=clock.wait, clock=clock) == "ok"
    assert (len(budgets), clock.waits) == (2, [0.5])
