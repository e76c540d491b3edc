"""Pause Python's cyclic garbage collector while building a base.

Loading and indexing allocate hundreds of thousands of small objects (nodes,
strings, sets) that form no reference cycles; the collector would scan them
again and again as they pile up, which costs about a third of a reload of a
large base.  Reference counting still frees everything as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block; re-enable it only if it was enabled before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
