"""The transports (docs/internals.rst, layer 2): the only code that touches sockets.

Each moves the bytes of the core's requests and answers (:mod:`influxdb._core`) and maps
its library's exceptions at one boundary.  Today: :mod:`~influxdb._transports.sync`, HTTP
through ``requests`` with the sync client's one retry loop, and
:mod:`~influxdb._transports.udp`, the UDP socket; next, ``aio``, the asyncio transport
(``aiohttp``).  Nothing is imported here: each module is imported by name, so that
importing this package imports no I/O library.
"""
