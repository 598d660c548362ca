"""The batching writer's request timeout, as exact tables: which timeout each request gets
(the writer's, the client's, or the default, never more than the retry policy leaves), which
values are refused, and the deliverer's time budget per attempt."""

from __future__ import annotations

import signal
from typing import Any, Optional

import pytest
import requests

from influxdb._batching.buffer import Encoded, Target
from influxdb._batching.send import Batch, Deliverer
from influxdb._core._retry import Retry
from influxdb.batching import (
    DEFAULT_REQUEST_TIMEOUT,
    _check_request_timeout,
    _request_timeout,
    exit_on_sigterm,
)
from influxdb.exceptions import InfluxDBArgumentError, InfluxDBServerError


@pytest.mark.parametrize(("writer", "client", "budget", "expected"), [
    (None, None, None, DEFAULT_REQUEST_TIMEOUT),        # nobody set one: 10 s
    (None, 3, None, 3),                                 # the client's
    (None, (2, None), None, (2, DEFAULT_REQUEST_TIMEOUT)),  # the part it left open
    (None, (None, 7.5), None, (DEFAULT_REQUEST_TIMEOUT, 7.5)),
    (4.0, 30, None, 4.0),                               # the writer's own wins
    ((1, 2), None, None, (1, 2)),
    (None, None, 2.5, 2.5),                             # what the policy leaves
    (5.0, None, 60.0, 5.0),
    ((1, 8), None, 3.0, (1, 3.0)),
    (5.0, None, -1.0, 0.001),                           # never zero or negative
])
def test_the_timeout_of_each_request(writer: Any, client: Any, budget: Optional[float],
                                     expected: Any) -> None:
    assert _request_timeout(writer, client, budget) == expected


@pytest.mark.parametrize("value", [None, 0.5, 10, (1, 2), (0.1, 30.0)])
def test_request_timeouts_accepted(value: Any) -> None:
    assert _check_request_timeout(value) == value


@pytest.mark.parametrize("value", [0, -1, float("inf"), float("nan"), True, "10", (1,),
                                   (1, None), (1, 2, 3), [1, 2]])
def test_request_timeouts_refused(value: Any) -> None:
    with pytest.raises(InfluxDBArgumentError, match="^request_timeout must be seconds above 0"):
        _check_request_timeout(value)


class Clock:
    """Time that passes only when the deliverer's send says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_each_attempt_gets_what_the_policy_leaves() -> None:
    clock = Clock()
    budgets: list[Optional[float]] = []

    def send(batch: Batch, budget: Optional[float]) -> None:
        budgets.append(budget)
        clock.now += 3.0  # every attempt times out after 3 s
        raise requests.exceptions.ReadTimeout("silent")

    retry = Retry(total=0, backoff_factor=0.0, max_retry_time=10.0)
    deliverer = Deliverer(send, retry, clock=clock)
    error = deliverer.attempt(Batch(Target("db", None, None, None), Encoded(b"m v=1\n", 1)))
    assert isinstance(error, requests.exceptions.ReadTimeout)
    assert budgets == [10.0, 7.0, 4.0, 1.0]  # then 12 s have passed: no fifth attempt


def test_a_wait_that_would_outlast_the_policy_is_not_begun() -> None:
    clock = Clock()
    calls: list[Optional[float]] = []

    def send(batch: Batch, budget: Optional[float]) -> None:
        calls.append(budget)
        clock.now += 1.0
        busy = InfluxDBServerError("busy", 503)
        busy.retry_after = 20.0  # the server asked for 20 s (Retry-After)
        raise busy

    # After one second, 9 s are left and the server asks for 20: the batch fails at once,
    # without sleeping and without counting a retry.
    retry = Retry(total=0, backoff_factor=0.01, max_retry_time=10.0)
    deliverer = Deliverer(send, retry, clock=clock)
    error = deliverer.attempt(Batch(Target("db", None, None, None), Encoded(b"m v=1\n", 1)))
    assert isinstance(error, InfluxDBServerError)
    assert (calls, deliverer.stats.retries) == ([10.0], 0)


def test_without_max_retry_time_there_is_no_budget() -> None:
    budgets: list[Optional[float]] = []
    deliverer = Deliverer(lambda batch, budget: budgets.append(budget), Retry(total=3))
    assert deliverer.attempt(Batch(Target("db", None, None, None),
                                   Encoded(b"m v=1\n", 1))) is None
    assert budgets == [None]


def test_exit_on_sigterm_installs_and_returns_the_previous_handler() -> None:
    before = signal.getsignal(signal.SIGTERM)
    try:
        assert exit_on_sigterm(exit_code=7) == before
        handler = signal.getsignal(signal.SIGTERM)
        assert callable(handler)
        with pytest.raises(SystemExit) as info:
            handler(signal.SIGTERM, None)  # type: ignore[operator]
        assert info.value.code == 7
    finally:
        signal.signal(signal.SIGTERM, before)
