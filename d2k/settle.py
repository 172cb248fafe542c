"""Settling: each object, as soon as the emitters are done with it, is checked on its own and, for a YAML
output, written to its document and cut down to what is still read of it.

A conversion used to hold every whole object next to the model until validation and writing were done:
at 100,000 lines that is more than half a gigabyte of small dicts. Settled, an object's own checks
(schema and the rules of its kind, d2k.validate.object_problems) run while it is fresh, the checks
across the set take what they need of it (d2k.validate.SetView: a pod template's labels, ports and
references, a ConfigMap's or Secret's keys), its YAML document is written (d2k.emitters.output.document),
and of a workload, ConfigMap or Secret only the document stays, with its kind and metadata (the report
counts kinds and names objects). Documents stay in memory up to SPOOL_AFTER bytes; past that, all but
Secrets go to a spool: a temporary file that has no name from the start (it is gone when d2k ends,
however it ends), read back as the output is written.

Nothing is written for the user here and nothing is skipped: the problems are collected, and the run
still refuses the whole output when one object or the set has any (`check`), before a byte reaches a
file or stdout. Outputs that need whole objects (JSON, Kustomize, Helm) settle with `text=False`:
checked, kept whole.
"""

from __future__ import annotations

import os
import tempfile
from typing import IO, Any

from d2k.emitters.output import Written, document
from d2k.validate import Problem, SetView, object_problems, parse_version, set_problems, stand_in

Obj = dict[str, Any]

SPOOL_AFTER = 1 << 20  # bytes of documents held in memory before the rest go to the spool
BATCH = 256  # objects settled together: each step runs over a batch while its code is warm
_SIZE_BITS = 32  # a spooled document's place: its offset << 32 | its size in bytes


class Spool:
    """Documents in a temporary file without a name (O_TMPFILE or unlinked at once, mode 0600)."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="d2k-", buffering=0)
        self.size = 0

    def put(self, texts: list[str]) -> list[int]:
        """Append the documents (OSError when the disk is full: none of them is then in the spool); their places."""
        places = []
        chunks = []
        size = self.size
        for text in texts:
            data = text.encode("utf-8")
            places.append(size << _SIZE_BITS | len(data))
            size += len(data)
            chunks.append(data)
        rest = memoryview(b"".join(chunks))
        while rest:
            rest = rest[os.pwrite(self.file.fileno(), rest, size - len(rest)):]
        self.size = size
        return places

    def read(self, place: int) -> str:
        # pread, not a memory map: mapped pages would count in d2k's own memory again
        return os.pread(self.file.fileno(), place & ((1 << _SIZE_BITS) - 1), place >> _SIZE_BITS).decode("utf-8")


class Settler:
    """Called with each final object (d2k.emitters.kubernetes.emit, d2k.core); returns what to keep of it.

    Objects are settled in batches of BATCH; `finish` settles the last one (check and reading a
    document do it)."""

    def __init__(self, k8s_version: str, *, text: bool, spool_after: int = SPOOL_AFTER) -> None:
        self.version = parse_version(k8s_version)
        self.text = text
        self.problems: list[Problem] = []
        self.view = SetView()
        self.pending: list[tuple[Obj, Obj]] = []
        self.held = 0  # bytes of documents held in memory
        self.spool_after = spool_after
        self.spool: Spool | None = None

    def __call__(self, obj: Obj) -> Obj:
        if self.text:
            kept: Obj = stand_in(obj, Written)
            kept.held = None  # type: ignore[attr-defined]
            kept.source = self  # type: ignore[attr-defined]
        else:
            kept = obj
        self.pending.append((obj, kept))
        if len(self.pending) >= BATCH:
            self.finish()
        return kept

    def finish(self) -> None:
        """Settle the objects still pending."""
        pending, self.pending = self.pending, []
        for obj, kept in pending:
            self.problems += object_problems(obj, self.version)
            self.view.add(obj, kept)
        if self.text:
            self._hold(pending, [document(obj) for obj, _kept in pending])

    def _hold(self, pending: list[tuple[Obj, Obj]], texts: list[str]) -> None:
        """Keep each document in memory, or past SPOOL_AFTER in the spool. A Secret's never goes to a file
        (only --out's own Secret files, 0600, hold credentials on disk)."""
        spooled: list[tuple[Written, str]] = []
        for (obj, kept), text in zip(pending, texts, strict=True):
            if self.held + len(text) <= self.spool_after or obj.get("kind") == "Secret":
                self.held += len(text)
                kept.held = text  # type: ignore[attr-defined]
            else:
                spooled.append((kept, text))  # type: ignore[arg-type]
        if not spooled:
            return
        try:
            if self.spool is None:
                self.spool = Spool()
            places = self.spool.put([text for _kept, text in spooled])
        except OSError:  # no temporary folder, or it is full: from here on every document stays in memory
            self.spool_after = 1 << 62
            for kept, text in spooled:
                kept.held = text
            return
        for (kept, _text), place in zip(spooled, places, strict=True):
            kept.held = place

    def read(self, place: int) -> str:
        if self.spool is None:
            raise RuntimeError("no spool holds this document")
        return self.spool.read(place)

    def check(self) -> list[Problem]:
        """Every problem of the objects settled: each one's own, then those of the set."""
        self.finish()
        return self.problems + set_problems(self.view, self.version)
