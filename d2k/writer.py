"""The one place d2k writes files: single files (--report, a Helm secret-values.yaml) and owned folders (--out).

An output folder may hold files d2k did not write (the input, a kustomization the user keeps there):
d2k owns only what it lists in the folder's `.d2k-manifest` (sha256sum's format: `HASH  NAME`, so
`sha256sum -c .d2k-manifest` shows what was edited since). It never removes or overwrites any other
file, and replaces its own only with `force`, naming those the user edited since.

A write is atomic as a set:
- a new folder is filled beside OUT as `.OUT.XXXXXXXX.d2k-new`, then renamed into place in one step;
- a folder holding only d2k's files is replaced the same way, the two folders exchanged in one step
  (Linux renameat2); a reader sees the old set or the new, never a mix;
- a folder holding other files too (or where the exchange is not available) gets its new files
  staged inside it (`OUT/.d2k-staging-XXXXXXXX`); renaming that folder to `OUT/.d2k-commit` is the
  commit point; the files are then moved in one by one, the stale ones removed, and the new manifest
  moved in last. A run killed before the commit leaves the old set
  (its staging folder is removed by the next run); a run killed after it leaves `.d2k-commit`, which
  the next run on the same OUT completes before anything else, so the folder ends with the new set.
Runs on one OUT must not overlap. Files holding credentials (`private`) are created 0600; everything
else keeps the user's umask.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from d2k.errors import InputError
from d2k.patterns import lazy
from d2k.records import dataclass, field

MANIFEST = ".d2k-manifest"
COMMIT = ".d2k-commit"
_STAGING = ".d2k-staging-"
_HEADER = "# written by d2k: the files it owns in this folder, with their sha256 (sha256sum -c .d2k-manifest)\n"
_SEGMENT = lazy(r"[A-Za-z0-9_][A-Za-z0-9_.+=@-]*|\.helmignore")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _create(path: Path, text: str, private: bool) -> None:
    """A new file: 0600 when private (never readable by others, not even for a moment), else the umask's."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o666)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def write_file(path: Path, text: str, *, private: bool = False) -> None:
    """Write through a temporary file and rename, so a reader never sees half a file."""
    path = Path(path)
    check_file(path)
    tmp = path.with_name(f".{path.name}.d2k-tmp")
    try:
        tmp.unlink(missing_ok=True)
        _create(tmp, text, private)
        os.replace(tmp, path)
    except OSError as err:
        raise InputError(f"cannot write it: {err.strerror or err}", str(path)) from None
    finally:  # also when interrupted (SIGINT, SIGTERM)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def check_file(path: Path, *, inputs: Iterable[str] = ()) -> None:
    """What would stop write_file (or make it overwrite an input), found before anything is written."""
    path = Path(path)
    for name in inputs:
        if name not in ("-", "<stdin>") and os.path.exists(name) and os.path.exists(path) \
                and os.path.samefile(name, path):
            raise InputError("is the input: d2k does not write over it; give another file name", str(path))
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError("is a folder: give a file name", str(path))
    if not parent.is_dir():
        raise InputError(f"no folder {parent}: create it first", str(path))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"cannot write in {parent}: permission denied", str(path))
    if path.exists() and not os.access(path, os.W_OK) and not os.access(parent, os.W_OK):
        raise InputError("cannot write it: permission denied", str(path))


def digest(data: bytes) -> str:
    import hashlib  # only a run writing files needs it (~3 ms of OpenSSL loading at start-up)

    return hashlib.sha256(data).hexdigest()


def read_manifest(out: Path) -> dict[str, str]:
    """name -> sha256 of what d2k wrote into `out` (empty when d2k never wrote there)."""
    path = out / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read {MANIFEST}: {err}", str(out)) from None
    owned: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        hash_, sep, name = line.partition("  ")
        if not sep or not re.fullmatch(r"[0-9a-f]{64}", hash_) or not _valid_name(name):
            raise InputError(f"not a d2k manifest (line {number}): remove it if d2k did not write it",
                             str(path))
        owned[name] = hash_
    return owned


def _valid_name(name: str) -> bool:
    parts = name.split("/")
    return all(_SEGMENT.fullmatch(p) and p not in (".", "..") for p in parts) and name != MANIFEST


def _manifest_text(files: dict[str, str]) -> str:
    lines = [f"{digest(text.encode('utf-8'))}  {name}\n" for name, text in sorted(files.items())]
    return _HEADER + "".join(lines)


@dataclass(frozen=True, slots=True)
class Plan:
    """What a folder write will do, worked out (and refused) before anything is written."""

    out: Path
    fresh: bool  # OUT does not exist yet
    owned: dict[str, str]  # what d2k wrote there before
    edited: tuple[str, ...]  # those the user changed since (replaced only with force)
    notes: tuple[str, ...] = ()


def refused_folders(inputs: Iterable[str] = ()) -> dict[Path, str]:
    """Folders --out may never be, with the reason: the input's own folder, /, $HOME."""
    refused = {Path("/"): "the root folder"}
    home = os.environ.get("HOME")
    if home:
        refused[Path(os.path.realpath(home))] = "your home folder"
    for name in inputs:
        if name and name not in ("-", "<stdin>") and os.path.exists(name):
            refused[Path(os.path.realpath(os.path.dirname(os.path.abspath(name))))] = f"the folder of the input {name}"
    return refused


def plan_folder(out: Path, names: Collection[str], *, force: bool, inputs: Iterable[str] = ()) -> Plan:
    """Check a folder write: refuse a place d2k must not write, a foreign file in the way, d2k's own files without force."""
    shown = str(out)
    out = Path(os.path.abspath(out))
    for name in names:
        if not _valid_name(name):
            raise InputError(f"d2k cannot write a file named {name!r} here", shown)
    real = Path(os.path.realpath(out))
    reason = refused_folders(inputs).get(real)
    if reason:
        raise InputError(f"is {reason}: d2k does not write its files there; give a new folder, e.g. --out k8s",
                         shown)
    try:
        if out.exists() and not out.is_dir():
            raise InputError("exists and is not a folder", shown)
        parent = Path(shown).parent  # as the user wrote it, for the message
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise InputError(f"cannot create it: {parent} is not a folder", shown)
        if not out.exists():
            if not os.access(parent, os.W_OK | os.X_OK):
                raise InputError(f"cannot create it: no permission to write in {parent}", shown)
            return Plan(out, True, {}, ())
        if not os.access(out, os.W_OK | os.X_OK):
            raise InputError("cannot write in it: permission denied", shown)
        recover(out)
        owned = read_manifest(out)
        if real == Path(os.path.realpath(os.getcwd())):
            others = sorted(p.name for p in out.iterdir() if p.name not in owned and p.name != MANIFEST
                            and not p.name.startswith(_STAGING))
            if others:
                raise InputError(f"is the current folder and holds other files ({others[0]}, ...): "
                                 "give a folder of its own, e.g. --out k8s", shown)
        for name in sorted(names):
            path = out / name
            if name not in owned and (path.exists() or path.is_symlink()):
                raise InputError(f"{name} is not a file d2k wrote: d2k never overwrites it; move it away "
                                 "or give another --out", shown)
            for folder in Path(name).parents:
                if str(folder) != "." and (out / folder).exists() and not (out / folder).is_dir():
                    raise InputError(f"{folder} is not a folder d2k can write {name} in: move it away "
                                     "or give another --out", shown)
        edited = tuple(name for name in sorted(owned) if _edited(out / name, owned[name]))
        if owned and not force:
            detail = f" ({', '.join(edited)} edited since)" if edited else ""
            raise InputError(f"holds the files of an earlier d2k run{detail}: add --force to replace them "
                             "(d2k replaces only the files it wrote)", shown)
        notes = tuple(f"{shown}: replaced {name}, edited since d2k wrote it" for name in edited if name in names)
        notes += tuple(f"{shown}: removed {name}, edited since d2k wrote it" for name in edited if name not in names)
        return Plan(out, False, owned, edited, notes)
    except OSError as err:
        raise InputError(f"cannot write it: {err.strerror or err}", shown) from None


def _edited(path: Path, hash_: str) -> bool:
    if not path.exists() and not path.is_symlink():
        return False
    if path.is_symlink() or not path.is_file():
        return True
    return digest(path.read_bytes()) != hash_


def write_folder(out: Path, files: dict[str, str], *, force: bool, private: Collection[str] = (),
                 inputs: Iterable[str] = ()) -> list[str]:
    """Write `files` (name -> text; names may hold `/`) into `out` as one set; returns notes for the user.

    `private` names the files created 0600 (they hold a credential); `inputs` the files read, whose
    folder is refused. See the module docstring for what is refused and how a killed run ends.
    """
    plan = plan_folder(out, files, force=force, inputs=inputs)
    try:
        _clear_leftovers(plan.out)
        if plan.fresh:
            _write_new(plan.out, files, set(private))
        else:
            _write_existing(plan, files, set(private))
    except OSError as err:
        raise InputError(f"cannot write it: {err.strerror or err}", str(out)) from None
    return list(plan.notes)


def _fill(folder: Path, files: dict[str, str], private: set[str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        _create(path, text, name in private)
    _create(folder / MANIFEST, _manifest_text(files), False)


def _write_new(out: Path, files: dict[str, str], private: set[str]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".d2k-new", dir=out.parent))
    try:
        _fill(staging, files, private)
        staging.chmod(0o777 & ~_umask())
        os.replace(staging, out)  # the commit: OUT appears whole
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _write_existing(plan: Plan, files: dict[str, str], private: set[str]) -> None:
    """A folder of d2k's files only is swapped whole (readers never see a mix); one with others gets the journal."""
    if _only_owned(plan.out, plan.owned) and _swap(plan.out, files, private, plan.owned):
        return
    staging = Path(tempfile.mkdtemp(prefix=_STAGING, dir=plan.out))
    try:
        _fill(staging, files, private)
        os.replace(staging, plan.out / COMMIT)  # the commit point
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    recover(plan.out)


def _only_owned(out: Path, owned: dict[str, str]) -> bool:
    folders = {str(parent) for name in owned for parent in Path(name).parents}
    for path in out.rglob("*"):
        name = str(path.relative_to(out))
        if path.is_symlink() or (path.is_dir() and name not in folders) or (
                not path.is_dir() and name not in owned and name != MANIFEST):
            return False
    return True


def _swap(out: Path, files: dict[str, str], private: set[str], owned: dict[str, str]) -> bool:
    """Fill a folder beside `out` and exchange the two in one step; False (nothing changed) where the system cannot."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".d2k-new", dir=out.parent))
    try:
        _fill(staging, files, private)
        staging.chmod(stat.S_IMODE(out.stat().st_mode))
        if not _exchange(staging, out):
            return False
        # `staging` holds the old folder now: a file someone put there since _only_owned looked goes back
        mine = {name.split("/", 1)[0] for name in owned} | {MANIFEST}
        for path in staging.iterdir():
            if path.name not in mine and not (out / path.name).exists():
                os.replace(path, out / path.name)
        return True
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return bool(renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0)


def recover(out: Path) -> None:
    """Complete a committed write (`.d2k-commit`) and drop an uncommitted one: idempotent, so a kill here is fine too."""
    for path in out.glob(f"{_STAGING}*"):
        shutil.rmtree(path, ignore_errors=True)
    commit = out / COMMIT
    if not commit.is_dir():
        return
    new = read_manifest(commit)
    old = read_manifest(out)
    for name in sorted(new):
        source = commit / name
        if source.exists():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, out / name)
    for name in sorted(set(old) - set(new)):
        (out / name).unlink(missing_ok=True)
        _remove_empty_parents(out, name)
    os.replace(commit / MANIFEST, out / MANIFEST)
    shutil.rmtree(commit, ignore_errors=True)


def _remove_empty_parents(out: Path, name: str) -> None:
    for parent in Path(name).parents:
        if str(parent) == ".":
            return
        try:
            (out / parent).rmdir()
        except OSError:
            return


def _staging_names(out: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(out.name)}\.[a-z0-9_]{{8}}\.d2k-(?:new|old)")


def _clear_leftovers(out: Path) -> None:
    """Remove what a run killed while filling a new folder left beside `out` (see the module docstring)."""
    if not out.parent.is_dir():
        return
    pattern = _staging_names(out)
    for path in sorted(out.parent.iterdir()):
        if pattern.fullmatch(path.name):
            shutil.rmtree(path, ignore_errors=True)


@dataclass(slots=True)
class Outputs:
    """The files a run will write, checked all together before any is written (and stdout after them).

    Each output option adds one entry with `add(check, write)`: `check()` raises InputError for a
    path it cannot write; `write()` writes and returns notes for stderr. The run calls `check()` (every
    entry), validates the objects, then `write()` (every entry): a bad --report path leaves no --out
    folder, and nothing on stdout.
    """

    entries: list[tuple[Callable[[], object], Callable[[], list[str]]]] = field(default_factory=list)

    def add(self, check: Callable[[], object], write: Callable[[], list[str]]) -> None:
        self.entries.append((check, write))

    def check(self) -> None:
        for check, _write in self.entries:
            check()

    def write(self) -> list[str]:
        notes: list[str] = []
        for _check, write in self.entries:
            notes.extend(write())
        return notes
