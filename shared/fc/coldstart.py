"""A function's cold start runs without Python's cyclic garbage collector.

The first request of an instance imports the SDKs, pydantic and ``shared``: some 90,000 objects
that live as long as the instance. While they are being made the collector goes over them again
and again (about 230 collections, 45-65 ms of a 0.75 s cold start on the bench machine) and finds
almost nothing to free (~1,700 objects). So each function's ``index.py`` calls :func:`pause` before
its first import, and its handler calls :func:`resume` when a request is over: the first time, it
freezes everything made so far (``gc.freeze``: no later collection goes over those objects again)
and turns the collector back on. Reference counting frees everything else meanwhile, as always;
the cold start's own cyclic garbage (under 1 MB) stays frozen with the instance.
"""

import gc

_paused = False


def pause() -> None:
    """Turn the collector off until :func:`resume` (unless something else already did)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """After the first request: freeze what the cold start made and turn the collector back on."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
