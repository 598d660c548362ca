"""Large answers are built with the cyclic garbage collector paused.

Decoding a 200,000-row answer allocates hundreds of thousands of lists and dicts.  Left
running, the collector traverses them again and again while they are being built (5.3.2
spent more time there than in decoding).  Paused, it still has to traverse them all once when
it resumes, since they are all in its youngest generation, and once more when they survive
into the middle one: a quarter of the time of a JSON answer to point dicts.

So after the pause, the objects built meanwhile are promoted straight to the oldest
generation (``gc.freeze()`` then ``gc.unfreeze()``: two list splices, whatever their count).
Nothing is lost: the oldest generation is still collected, at the next full collection, as
it would be for any long-lived data.  A program that froze objects itself (``gc.freeze()``
before forking workers) keeps them frozen: the promotion is skipped there.
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
