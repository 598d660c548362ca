"""The read half of :class:`~influxdb.client.InfluxDBClient`: ``query`` and its streaming.

Each call reads build -> send -> interpret: the request is the core's
(:func:`influxdb._core.requests.query_request`: GET or POST, where the statement goes), the
answer's meaning too (:func:`influxdb._core.answers.query_results`, the decoders of chunked
answers); what stays here is the client's part: its defaults, and a chunked answer asked for
again while none of it was handed out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal, Optional, Union, overload

from influxdb import _transport
from influxdb._core import answers
from influxdb._core import requests as build
from influxdb._core.answers import drop_empty_series
from influxdb.resultset import ResultSet

if TYPE_CHECKING:
    from influxdb._retry import Retry

__all__ = ["QueryMixin"]


class QueryMixin:
    """Query methods; mixed into :class:`~influxdb.client.InfluxDBClient`."""

    _database: Optional[str]
    _headers: dict[str, str]
    _retry_policy: Retry
    _deadline: Optional[float]
    _max_document_size: Optional[int]

    if TYPE_CHECKING:
        def _send(self, request: build.Request, *, retry: Optional[Retry] = ...,
                  deadline: Optional[float] = ..., timeout: Any = ...,
                  interpret: Optional[Callable[[_transport.Response], Any]] = ...,
                  tally: Optional[_transport.Tally] = ...,
                  failure: Optional[BaseException] = ...) -> Any: ...

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
        request = build.query_request(
            query, params=params, bind_params=bind_params, epoch=epoch,
            database=database or self._database, chunked=chunked, chunk_size=chunk_size,
            method=method, headers=self._headers, expected=expected_response_code)
        seconds = self._deadline if deadline is None else deadline
        if chunked:
            # One count of attempts for the call: those made to get the answer, and those
            # made again when it breaks before its first document (retries=3: 3 in all).
            tally = _transport.Tally(time.monotonic())
            expires = None if seconds is None else tally.started + seconds

            def send(failure: Optional[BaseException] = None) -> _transport.Response:
                response: _transport.Response = self._send(
                    request, deadline=seconds, tally=tally, failure=failure)
                return response

            # Sent now, so that a refused query raises here, as in 5.3.2; read as iterated.
            return _chunked_documents(send(), send, expires, self._max_document_size)
        try:
            results: list[dict[str, Any]] = self._send(
                request, deadline=seconds, interpret=_results)
        except answers.ServerStopping as stopping:  # retries spent: the statement errors stand
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
            deadline=build.check_deadline(deadline))
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
    """The ``results`` of a whole answer (its msgpack body decoded by the client:
    ``response._msgpack``, as 5.3.2 left it there; else JSON, decoded here).

    :raises InfluxDBBrokenAnswerError: the body is cut short or malformed (retried)
    :raises ServerStopping: a statement error that only says the server was stopping
        (retried)
    """
    document = response._msgpack  # type: ignore[attr-defined]
    if document is not None:
        return answers.query_results(document, msgpack_body=True)
    content = response.content
    return answers.query_results(
        answers.decode_answer(content, msgpack_body=False) if content else None,
        msgpack_body=False)


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
                yield drop_empty_series(document)
        except Exception as error:
            if handed_out is not None:
                raise
            response = resend(error)
            continue
        answers.check_last_chunk(handed_out)
        return
