"""The parts of the batching writer behind :mod:`influxdb.batching` (the public module).

From the bottom up:

* :mod:`~influxdb._batching.buffer`: pure -- encoded chunks, the pending buffer (one FIFO per
  write target) and the flush policy; no threads, no I/O, no clock of its own;
* :mod:`~influxdb._batching.front`: the caller's side -- arguments checked and points encoded
  in the caller's thread, before anything is buffered;
* :mod:`~influxdb._batching.send`: the delivery of one batch with a retry policy, and the
  stats of what became of it;
* :mod:`~influxdb._batching.core`: the background thread, the flush at process exit, and
  what a ``fork()`` child starts with.
"""
