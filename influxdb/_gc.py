"""Large answers are built with the cyclic garbage collector paused.

Decoding a 200,000-row answer allocates hundreds of thousands of lists and dicts.  Left
running, the collector traverses them again and again while they are being built (5.3.2
spent more time there than in decoding).  Paused, it still has to traverse them all once when
it resumes, since they are all in its youngest generation, and once more when they survive
into the middle one: a quarter of the time of a JSON answer to point dicts.

So after the pause, the objects built meanwhile are promoted straight to the oldest
generation (``gc.freeze()`` then ``gc.unfreeze()``: two list splices, whatever their count).
Nothing is lost: the oldest generation is still collected, at the next full collection, as
it would be for any long-lived data.

``gc.unfreeze()`` releases every frozen object, not only ours, so the promotion is made only
when nothing else is frozen (``gc.get_freeze_count() == 0``):

* A program that froze objects itself (``gc.freeze()`` before forking workers, to keep their
  pages shared) keeps them frozen: the promotion is skipped.
* CPython 3.12 (3.12.1 checked) starts with 375 objects of its own frozen: the immortal
  ``__mro__`` and ``__bases__`` tuples of the builtin types, which the runtime keeps out of
  every collection (3.11 and 3.13 start with none frozen).  Released, they would be
  traversed by the next full collection (which then stops tracking them), the count the
  program reads would drop to 0 behind its back, and a count taken at import cannot tell
  them from objects the program froze before importing this package.  So on 3.12 the
  promotion is skipped too: large answers are still built with the collector paused, but
  its passes over them afterwards are not saved (docs/performance.rst).
"""

from __future__ import annotations

import gc
from typing import Callable, TypeVar

__all__ = ["paused"]

T = TypeVar("T")


def paused(work: Callable[[], T]) -> T:
    """``work()`` with the collector paused, and what it built promoted (see above).

    When the collector is already paused, by the caller or by another thread, it is left
    as it is: resuming it is theirs to do.
    """
    if not gc.isenabled():
        return work()
    gc.disable()
    try:
        return work()
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()
