"""How a finished run ends: at once, without the interpreter's teardown.

At exit CPython runs a last full collection (though d2k paused the collector, d2k.cli.main) over
every object the run made, then frees every module and object one by one: ~20 ms after a
from-commands run of the seed (~17 ms the collection, ~6 ms the freeing; medians of 30 interleaved
runs), for memory the operating system takes back anyway.

`leave(code)` does what of the teardown matters - the exit handlers run (atexit: a library's, a
coverage tool's, weakref finalizers such as temporary folders'), both streams are flushed - and
ends the process with `code`. It returns, for the usual exit, where ending at once could lose
something: a message as the exit status (Python prints it), a thread still running, a stream that
fails to flush; the objects are frozen first, so that exit skips at least the collection.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys


def leave(code: object) -> None:
    """End the process with `code` (SystemExit's: None is 0) now, or return for the usual exit."""
    gc.freeze()  # the last collection would scan everything the run made, to free nothing
    if code is None:
        code = 0
    if not isinstance(code, int):
        return
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return
    atexit._run_exitfuncs()  # the handlers the usual exit would run, once: it clears them
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # the usual exit reports it as it always has
        return
    os._exit(code)
