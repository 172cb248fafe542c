"""d2k.records behaves as `dataclasses` for every option d2k uses: the same classes built by both agree."""

from __future__ import annotations

import dataclasses
from types import ModuleType
from typing import Any

import pytest

from d2k import records


def classes(mod: Any) -> dict[str, type]:
    @mod.dataclass(frozen=True, slots=True)
    class Frozen:
        a: int
        b: str = "x"
        c: tuple[int, ...] = mod.field(default_factory=tuple)
        d: int = mod.field(default=3, compare=False)

    @mod.dataclass(slots=True)
    class Mutable:
        a: int
        derived: list[int] = mod.field(init=False)
        seen: dict[str, int] = mod.field(default_factory=dict)

        def __post_init__(self) -> None:
            self.derived = [self.a]

    @mod.dataclass(frozen=True)
    class FrozenPlain:
        a: int
        b: tuple[int, ...] = ()

    @mod.dataclass
    class Bare:
        a: int = 1
        items: list[int] = mod.field(default_factory=list)

    return {"Frozen": Frozen, "Mutable": Mutable, "FrozenPlain": FrozenPlain, "Bare": Bare}


def outcome(call: Any) -> object:
    """What a call returns, or the type and message of what it raises (FrozenInstanceError by name)."""
    try:
        return call()
    except (AttributeError, TypeError, ValueError) as err:
        return (type(err).__name__, str(err).replace("classes.<locals>.", ""), isinstance(err, AttributeError))


def behaviour(mod: ModuleType) -> list[object]:
    made = classes(mod)
    Frozen, Mutable, FrozenPlain, Bare = made["Frozen"], made["Mutable"], made["FrozenPlain"], made["Bare"]
    frozen, mutable = Frozen(1), Mutable(5)
    seen: list[object] = [
        repr(frozen), repr(mutable), repr(FrozenPlain(2)), repr(Bare()),
        frozen == Frozen(1, "x", (), 9), frozen == Frozen(2), frozen != Frozen(1), frozen == 1,
        hash(Frozen(1, d=1)) == hash(Frozen(1, d=2)), hash(FrozenPlain(1)) == hash(FrozenPlain(1)),
        Frozen.__match_args__, Mutable.__match_args__, getattr(Frozen, "__slots__", None),
        getattr(Mutable, "__slots__", None), hasattr(FrozenPlain(1), "__dict__"), hasattr(frozen, "__dict__"),
        Mutable.__hash__, Bare.__hash__, Bare.a, FrozenPlain.b, Bare() == Bare(), Bare().items is not Bare().items,
        repr(mod.replace(frozen, b="y")), repr(mod.replace(mutable, a=7)),
        [f.name for f in mod.fields(Frozen)], [f.name for f in mod.fields(mutable)],
        outcome(lambda: setattr(frozen, "a", 2)), outcome(lambda: delattr(frozen, "a")),
        outcome(lambda: setattr(FrozenPlain(1), "a", 2)), outcome(lambda: Frozen()),
        outcome(lambda: Frozen(1, e=2)), outcome(lambda: mod.replace(mutable, derived=[])),
        outcome(lambda: hash(mutable)), outcome(lambda: mod.fields(object())),
        Frozen.__qualname__.removeprefix("classes.<locals>."), Frozen.__init__.__qualname__.endswith("Frozen.__init__"),
    ]
    mutable.a = 9
    seen.append(repr(mutable))
    match frozen:
        case Frozen(a, b):
            seen.append((a, b))
    return seen


@pytest.mark.parametrize("compile_after", [0, 1, 64])  # compiled at once, after one construction, read
def test_records_behave_as_dataclasses(compile_after: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records, "COMPILE_AFTER", compile_after)
    assert behaviour(records) == behaviour(dataclasses)  # type: ignore[arg-type]


def test_a_record_refuses_what_a_dataclass_refuses() -> None:
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):
        @records.dataclass
        class Misordered:
            a: int = 1
            b: int

    with pytest.raises(ValueError, match="mutable default"):
        @records.dataclass
        class Shared:
            a: list[int] = []  # noqa: RUF012 - the mistake under test

    with pytest.raises(ValueError, match="both default and default_factory"):
        records.field(default=1, default_factory=list)


def test_methods_are_compiled_once_used_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records, "COMPILE_AFTER", 2)

    @records.dataclass(frozen=True, slots=True)
    class Lazy:
        a: int
        b: list[int] = records.field(default_factory=list)

    made = [Lazy(1), Lazy(a=2)]
    assert Lazy.__init__ is records._first_init  # two constructions: the fields were read
    made.append(Lazy(3, [4]))
    assert Lazy.__init__ is not records._first_init  # the third compiled __init__
    assert [(x.a, x.b) for x in made] == [(1, []), (2, []), (3, [4])] and made[0].b is not made[1].b
    assert Lazy(1) == Lazy(1) and Lazy.__eq__ is not records._first_eq and Lazy.__hash__ is not records._first_hash
