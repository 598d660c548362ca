"""The read half of :class:`~influxdb.client.InfluxDBClient`: ``query`` and its streaming.

Where a statement goes is decided here, from :func:`influxdb._influxql.classify`: statements
that change state go by POST; statements that carry a password, and statements too long for a
URL, travel in the form-encoded POST body; everything else stays in the URL's query string,
where 5.3.2 put it (users' HTTP mocks read it there).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal, Optional, Union, overload
from urllib.parse import urlencode

from influxdb import _transport
from influxdb._influxql import classify
from influxdb._retry import TransientFailure
from influxdb._timeutil import PRECISION, is_time_value, time_as_rfc3339
from influxdb.exceptions import (
    InfluxDBArgumentError,
    InfluxDBArgumentTypeError,
    InfluxDBBrokenAnswerError,
)
from influxdb.resultset import ResultSet

if TYPE_CHECKING:
    from influxdb._retry import Retry

__all__ = ["QueryMixin"]

#: A ``q`` longer than this (URL-encoded) travels in the POST body, not the URL: proxies and
#: servers refuse long URLs (414/431), as influxdb-python issue #595 reports.
MAX_QUERY_IN_URL = 4096
#: Statement errors that say nothing about the statement, only that the server was stopping.
TRANSIENT_STATEMENT_ERRORS = frozenset({"query engine shutdown"})


class QueryMixin:
    """Query methods; mixed into :class:`~influxdb.client.InfluxDBClient`."""

    _database: Optional[str]
    _headers: dict[str, str]
    _retry_policy: Retry
    _deadline: Optional[float]
    _max_document_size: Optional[int]

    if TYPE_CHECKING:
        def _request(self, url: str, method: str = ..., params: Any = ..., data: Any = ...,
                     stream: bool = ..., expected_response_code: int = ...,
                     headers: Optional[dict[str, str]] = ..., *, operation: str = ...,
                     retry: Optional[Retry] = ..., compress: bool = ...,
                     also_accept: tuple[int, ...] = ...,
                     deadline: Optional[float] = ...,
                     interpret: Optional[Callable[[_transport.Response], Any]] = ...,
                     tally: Optional[_transport.Tally] = ...,
                     failure: Optional[BaseException] = ...) -> Any: ...

    def _prepare_query(
        self,
        query: str,
        params: Optional[dict[str, Any]],
        bind_params: Optional[dict[str, Any]],
        epoch: Optional[str],
        database: Optional[str],
        chunked: bool,
        chunk_size: int,
        method: str,
    ) -> tuple[str, dict[str, Any], Optional[str], Optional[dict[str, str]]]:
        if not isinstance(query, str):
            raise InfluxDBArgumentTypeError(f"query must be a str, got {type(query).__name__}")
        query_params: dict[str, Any] = dict(params) if params else {}
        if bind_params:
            merged = json.loads(query_params.get("params", "{}"))
            merged.update(_bind_values(bind_params))
            query_params["params"] = json.dumps(merged)
        db = database or self._database
        if db is not None:
            query_params["db"] = db
        if epoch is not None:
            if epoch not in PRECISION:
                raise InfluxDBArgumentError(
                    f"Invalid epoch {epoch!r}: use 'h', 'm', 's', 'ms', 'u' or 'ns'")
            query_params["epoch"] = PRECISION[epoch].epoch
        if chunked:
            query_params["chunked"] = "true"
            if chunk_size > 0:
                query_params["chunk_size"] = chunk_size

        info = classify(query)
        if info.changes_state:
            method = "POST"
        body: Optional[str] = None
        headers: Optional[dict[str, str]] = None
        if info.carries_secret or len(urlencode({"q": query})) > MAX_QUERY_IN_URL:
            # Passwords never in a URL (access logs); long statements do not fit one.
            method = "POST"
            body = urlencode({"q": query})
            headers = dict(self._headers)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            query_params["q"] = query
        return method, query_params, body, headers

    def _query_raw(
        self,
        query: str,
        *,
        params: Optional[dict[str, Any]] = None,
        bind_params: Optional[dict[str, Any]] = None,
        epoch: Optional[str] = None,
        expected_response_code: int = 200,
        database: Optional[str] = None,
        chunked: bool = False,
        chunk_size: int = 0,
        method: str = "GET",
        deadline: Optional[float] = None,
    ) -> Iterator[dict[str, Any]]:
        """Send a query; yield each decoded ``results`` entry, or each decoded document (a
        ``{'results': [...]}`` dict per chunk) when ``chunked``.

        A query is a read: an answer that breaks (cut short, malformed, a stall) is asked for
        again, per the client's retries and within the deadline (``None``: the client's),
        as long as nothing of it was handed out.
        """
        method, query_params, body, headers = self._prepare_query(
            query, params, bind_params, epoch, database, chunked, chunk_size, method)
        seconds = self._deadline if deadline is None else deadline
        if chunked:
            # One count of attempts for the call: those made to get the answer, and those
            # made again when it breaks before its first document (retries=3: 3 in all).
            tally = _transport.Tally(time.monotonic())
            expires = None if seconds is None else tally.started + seconds

            def send(failure: Optional[BaseException] = None) -> _transport.Response:
                response: _transport.Response = self._request(
                    "query", method, query_params, data=body, stream=True,
                    expected_response_code=expected_response_code, headers=headers,
                    compress=body is None, deadline=seconds, tally=tally, failure=failure)
                return response

            # Sent now, so that a refused query raises here, as in 5.3.2; read as iterated.
            return _chunked_documents(send(), send, expires, self._max_document_size)
        try:
            results: list[dict[str, Any]] = self._request(
                "query", method, query_params, data=body,
                expected_response_code=expected_response_code, headers=headers,
                compress=body is None, deadline=seconds, interpret=_results)
        except _ServerStopping as stopping:  # retries spent: the statement errors stand
            results = stopping.results
        return iter(results)

    # What query() returns, told apart by `chunked` for type checkers: a generator when
    # chunked=True (by keyword or in 8th position), else one ResultSet or a list of them.
    @overload
    def query(self, query: str, params: Optional[dict[str, Any]] = ...,
              bind_params: Optional[dict[str, Any]] = ..., epoch: Optional[str] = ...,
              expected_response_code: int = ..., database: Optional[str] = ...,
              raise_errors: bool = ..., *, chunked: Literal[True], chunk_size: int = ...,
              method: str = ..., deadline: Optional[float] = ...) -> Iterator[ResultSet]: ...

    @overload
    def query(self, query: str, params: Optional[dict[str, Any]],
              bind_params: Optional[dict[str, Any]], epoch: Optional[str],
              expected_response_code: int, database: Optional[str], raise_errors: bool,
              chunked: Literal[True], chunk_size: int = ..., method: str = ..., *,
              deadline: Optional[float] = ...) -> Iterator[ResultSet]: ...

    @overload
    def query(self, query: str, params: Optional[dict[str, Any]] = ...,
              bind_params: Optional[dict[str, Any]] = ..., epoch: Optional[str] = ...,
              expected_response_code: int = ..., database: Optional[str] = ...,
              raise_errors: bool = ..., chunked: Literal[False] = ..., chunk_size: int = ...,
              method: str = ..., *,
              deadline: Optional[float] = ...) -> Union[ResultSet, list[ResultSet]]: ...

    @overload
    def query(self, query: str, params: Optional[dict[str, Any]] = ...,
              bind_params: Optional[dict[str, Any]] = ..., epoch: Optional[str] = ...,
              expected_response_code: int = ..., database: Optional[str] = ...,
              raise_errors: bool = ..., chunked: bool = ..., chunk_size: int = ...,
              method: str = ..., *, deadline: Optional[float] = ...,
              ) -> Union[ResultSet, list[ResultSet], Iterator[ResultSet]]: ...

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
        *,
        deadline: Optional[float] = None,
    ) -> Union[ResultSet, list[ResultSet], Iterator[ResultSet]]:
        """Run one or more InfluxQL statements.

        :param query: the statement(s), separated by ``;``
        :param params: extra query-string parameters (copied, never modified)
        :param bind_params: values for ``$name`` placeholders, sent apart from the statement
            so they are never interpreted as InfluxQL
        :param epoch: return times as integers in this unit (``'h'``, ``'m'``, ``'s'``,
            ``'ms'``, ``'u'``, ``'ns'``) instead of RFC3339 strings
        :param expected_response_code: the status that means success
        :param database: the database (default: the client's)
        :param raise_errors: raise on a statement error instead of returning it in
            :attr:`ResultSet.error`
        :param chunked: stream the answer; returns a generator of :class:`ResultSet`, one per
            chunk, holding one chunk in memory at a time
        :param chunk_size: points per chunk asked of the server (``0``: its default)
        :param method: ``'GET'`` or ``'POST'``; statements that change state always go by POST
        :param deadline: seconds this call may take in all, instead of the client's
            ``deadline`` (attempts, waits, and reading the answer, to its last chunk when
            ``chunked``)
        :returns: a :class:`ResultSet` for one statement, a list of them for several, ``[]``
            for none; a generator when ``chunked``
        :raises InfluxDBClientError: (a subclass) a refused statement or request
        :raises InfluxDBBrokenAnswerError: (also a ``ValueError``) an answer cut short,
            malformed or over ``max_document_size``, once retries are spent
        :raises requests.exceptions.ReadTimeout: a read stalled past ``timeout``, or the
            deadline passed
        """
        results = self._query_raw(
            query, params=params, bind_params=bind_params, epoch=epoch,
            expected_response_code=expected_response_code, database=database,
            chunked=chunked, chunk_size=chunk_size, method=method,
            deadline=_transport.check_deadline(deadline))
        if chunked:
            return self._chunked_resultsets(results, raise_errors)
        result_sets = [ResultSet(result, raise_errors=raise_errors) for result in results]
        if len(result_sets) == 1:
            return result_sets[0]
        return result_sets

    @staticmethod
    def _chunked_resultsets(documents: Iterator[dict[str, Any]],
                            raise_errors: bool) -> Iterator[ResultSet]:
        # One ResultSet per chunk, as 5.3.x: the series of every statement in the chunk are
        # put together.  Unlike 5.3.2, a statement error in a chunk raises (when
        # raise_errors) or stays readable in ResultSet.error, instead of being dropped.
        for document in documents:
            results = document.get("results", [])
            merged: dict[str, Any] = {}
            for result in results:
                for key, value in result.items():
                    if isinstance(value, list):
                        merged.setdefault(key, []).extend(value)
                    else:
                        merged.setdefault(key, value)
            if "error" in document and "error" not in merged:
                merged["error"] = document["error"]
            yield ResultSet(merged, raise_errors=raise_errors)


def _results(response: _transport.Response) -> list[dict[str, Any]]:
    """The ``results`` of a whole answer (decoded by the client: ``response._msgpack``).

    :raises InfluxDBBrokenAnswerError: the body is cut short or malformed (retried)
    :raises _ServerStopping: a statement error that only says the server was stopping
        (retried)
    """
    data = response._msgpack  # type: ignore[attr-defined]
    if data:
        _drop_empty_series(data)
    elif response.content:
        data = _transport.decode_answer(response.content, msgpack_body=False)
    else:
        data = {}
    results: list[dict[str, Any]] = data.get("results", [])
    transient = [r["error"] for r in results
                 if isinstance(r, dict) and r.get("error") in TRANSIENT_STATEMENT_ERRORS]
    if transient:
        raise _ServerStopping(transient[0], results)
    return results


class _ServerStopping(TransientFailure):
    """A statement error that says nothing about the statement, only that the server was
    busy stopping: retried like a 503 (influxd 1.6 answers it with 200 to queries racing
    its shutdown).  Once the retries are spent, the answer's results are returned, and the
    statement error raised from them as any other."""

    def __init__(self, message: str, results: list[dict[str, Any]]) -> None:
        super().__init__(f"the query was answered {message!r}")
        self.results = results


def _chunked_documents(response: _transport.Response,
                       resend: Callable[[BaseException], _transport.Response],
                       expires: Optional[float],
                       limit: Optional[int]) -> Iterator[dict[str, Any]]:
    """The documents of a chunked answer, the query sent again while none was handed out.

    :param resend: ``resend(error)`` resumes the call's retries after ``error``: the query
        is sent again, or ``error`` raised once they are spent
    :raises InfluxDBBrokenAnswerError: the answer breaks after a document was handed out,
        or ends on a document that announces more (``"partial": true``)
    """
    while True:
        handed_out = None
        try:
            for document in _transport.iter_documents(response, expires=expires, limit=limit):
                handed_out = document
                yield _drop_empty_series(document)
        except Exception as error:
            if handed_out is not None:
                raise
            response = resend(error)
            continue
        if handed_out is not None and _announces_more(handed_out):
            raise InfluxDBBrokenAnswerError(
                "the chunked answer ended on a chunk marked partial (more was announced): "
                "it was cut short")
        return


def _announces_more(document: dict[str, Any]) -> bool:
    # InfluxDB marks each chunk but the last of a statement "partial": true, and a series
    # continued in the next chunk too (the /query endpoint's chunked answers).
    for result in document.get("results", ()):
        if not isinstance(result, dict):
            continue
        if result.get("partial"):
            return True
        for series in result.get("series") or ():
            if isinstance(series, dict) and series.get("partial"):
                return True
    return False


_JSON_SCALARS = (str, int, bool, type(None))


def _bind_values(bind_params: dict[str, Any]) -> dict[str, Any]:
    """``bind_params`` made ready for JSON, naming the parameter of any value that is not.

    Times (``datetime``, ``date``, ``pandas.Timestamp``, ``numpy.datetime64``) become RFC3339
    text with every nanosecond (naive ones are UTC, a date is its midnight UTC), which
    InfluxQL compares with ``time`` like a time literal; numpy numbers become Python ones.
    5.3.2 failed here with ``TypeError: Object of type datetime is not JSON serializable``.

    :raises InfluxDBArgumentTypeError: (a ``TypeError``) a value JSON cannot carry
    :raises InfluxDBArgumentError: NaN or an infinity (not JSON), ``NaT``
    """
    out: dict[str, Any] = {}
    for name, value in bind_params.items():
        if type(value) in _JSON_SCALARS:
            out[name] = value
            continue
        if is_time_value(value):
            try:
                value = time_as_rfc3339(value)
            except InfluxDBArgumentError as exc:
                raise InfluxDBArgumentError(f"bind_params[{name!r}]: {exc}") from None
        elif getattr(getattr(value, "dtype", None), "kind", None) in ("b", "i", "u", "f") and (
                hasattr(value, "item")):
            value = value.item()  # numpy scalars
        try:
            json.dumps(value, allow_nan=False)
        except TypeError as exc:
            raise InfluxDBArgumentTypeError(
                f"bind_params[{name!r}]: cannot bind a value of type {type(value).__name__} "
                f"({exc}); pass a str, int, float, bool, None, or a time (datetime, date, "
                "pandas.Timestamp, numpy.datetime64)") from None
        except ValueError:
            raise InfluxDBArgumentError(
                f"bind_params[{name!r}]: cannot bind {value!r}: JSON has no NaN or "
                "infinity") from None
        out[name] = value
    return out


def _drop_empty_series(document: dict[str, Any]) -> dict[str, Any]:
    """Make a msgpack answer equal to its JSON twin.

    InfluxDB's msgpack encoder writes ``"series": []`` for a statement without rows, and
    ``"values": []`` for a series without rows, where the JSON answer leaves the keys out;
    ``ResultSet.raw`` should not depend on the transport.
    """
    for result in document.get("results", ()):
        if not isinstance(result, dict):
            continue
        series = result.get("series")
        if series == []:
            del result["series"]
        elif series:
            for one in series:
                if isinstance(one, dict) and one.get("values") == []:
                    del one["values"]
    return document
