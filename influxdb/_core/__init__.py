"""The protocol core: what the client sends and what it makes of the answers, with no I/O.

Nothing here opens a socket, imports an HTTP library (``requests``, ``urllib3``,
``aiohttp``), sleeps, or reads a clock it was not handed (``tests/unit/test_layout.py``
checks the imports).  The transports move bytes and drive these values, in the manner of
h11 and httpcore: :mod:`influxdb._core.requests` turns a call's arguments into a
:class:`~influxdb._core.requests.Request` (method, path, params, headers, body), and
:mod:`influxdb._core.answers` turns an answer (status, headers, body, or its blocks fed one
at a time to a decoder object) into the result or the exception.  The sync transport
(:mod:`influxdb._transports.sync`) drives them today; an asyncio transport drives the same
objects (docs/internals.rst).
"""
