"""d2k's data classes: a drop-in for the part of `dataclasses` d2k uses, built at a fraction of the cost.

CPython 3.11's `dataclasses` compiles each generated method on its own (`__init__`, `__repr__`,
`__eq__`, `__hash__`, `__setattr__`, `__delattr__`: ~6 `exec` calls per frozen class) and asks
`inspect.signature` for the docstring of a class without one; at the 48 classes a from-commands run
imports that was ~30-37 ms of every start (in-process, min of 7 runs). Here a class's methods are compiled only once they are used enough to pay
for it: the first 64 constructions of a class read its fields in one shared function (a run of the
seed constructs 34 classes, none of them 64 times), the next compiles its own `__init__`; `__repr__`,
`__eq__` and `__hash__` are compiled together at the first use of one. The frozen guards are shared
functions, and no docstring is made up.

Supported, with the semantics of `dataclasses`: `@dataclass`, `@dataclass(frozen=True, slots=True)`;
fields in declaration order, defaults, `field(default=..., default_factory=..., init=False,
compare=False)`, `__post_init__`; `__init__`, `__repr__` (`Name(a=1, b='x')`), `__eq__` (same class,
fields compared as a tuple), `__hash__` of frozen classes (None for mutable ones: unhashable),
`__match_args__`, assigning to or deleting a field of a frozen instance raises FrozenInstanceError
(an AttributeError), `replace(obj, **changes)` and `fields(cls)`. Not supported (d2k uses none):
inheritance between records, ClassVar and InitVar fields, `order`, `kw_only`, `unsafe_hash`, pickling
of frozen slotted instances. `typing.dataclass_transform` tells mypy these classes are dataclasses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

__all__ = ["FrozenInstanceError", "dataclass", "field", "fields", "replace"]

T = TypeVar("T")


class FrozenInstanceError(AttributeError):
    """A field of a frozen record was assigned or deleted."""


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """What `field()` said about one attribute; `fields(cls)` lists them in declaration order."""

    __slots__ = ("name", "default", "default_factory", "init", "compare")

    def __init__(self, default: Any, default_factory: Any, init: bool, compare: bool) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.compare = compare

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, default={self.default!r}, init={self.init}, compare={self.compare})"


def field(
    *, default: Any = MISSING, default_factory: Callable[[], Any] | Any = MISSING, init: bool = True,
    compare: bool = True,
) -> Any:
    """As `dataclasses.field`, for the options d2k uses."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, init, compare)


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _is_classvar(annotation: object) -> bool:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return isinstance(text, str) and text.replace("typing.", "").startswith(("ClassVar", "InitVar"))


def _fields_of(cls: type) -> list[Field]:
    if any(hasattr(base, "__record_fields__") for base in cls.__mro__[1:]):
        raise TypeError(f"{cls.__name__}: a record cannot inherit from another record")
    found: list[Field] = []
    seen_default = False
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if _is_classvar(annotation):
            raise TypeError(f"{cls.__name__}.{name}: ClassVar and InitVar fields are not supported")
        value = cls.__dict__.get(name, MISSING)
        spec = value if isinstance(value, Field) else Field(value, MISSING, True, True)
        if isinstance(spec.default, list | dict | set):
            raise ValueError(f"mutable default {type(spec.default)} for field {name} is not allowed: "
                             "use default_factory")
        if spec.init:
            if spec.default is MISSING and spec.default_factory is MISSING and seen_default:
                raise TypeError(f"non-default argument {name!r} follows default argument")
            seen_default = seen_default or spec.default is not MISSING or spec.default_factory is not MISSING
        spec.name = name
        found.append(spec)
    return found


def _init_source(cls: type) -> tuple[str, dict[str, Any]]:
    """The code of `__init__`, and the names it refers to."""
    frozen, slots = cls.__dict__["__record_options__"]
    env: dict[str, Any] = {"MISSING": MISSING}
    params: list[str] = []
    body: list[str] = []
    # a frozen slotted class stores through the slot itself; a frozen plain one as dataclasses does
    store = "_set_{0}(self, {1})" if frozen and slots else (
        "_object_setattr(self, {0!r}, {1})" if frozen else "self.{0} = {1}")
    if frozen and not slots:
        env["_object_setattr"] = object.__setattr__
    for spec in cls.__dict__["__record_fields__"]:
        name = spec.name
        if frozen and slots:
            env[f"_set_{name}"] = cls.__dict__[name].__set__
        if spec.default_factory is not MISSING:
            env[f"_factory_{name}"] = spec.default_factory
            value = f"_factory_{name}()"
            if spec.init:
                params.append(f", {name}=MISSING")
                value = f"_factory_{name}() if {name} is MISSING else {name}"
        elif spec.default is not MISSING:
            env[f"_default_{name}"] = spec.default
            value = f"_default_{name}"
            if spec.init:
                params.append(f", {name}=_default_{name}")
                value = name
        elif spec.init:
            params.append(f", {name}")
            value = name
        else:
            continue  # init=False without a default: __post_init__ sets it
        body.append("  " + store.format(name, value))
    if hasattr(cls, "__post_init__"):
        body.append("  self.__post_init__()")
    return "\n".join([f"def __init__(self{''.join(params)}):", *(body or ["  pass"])]) + "\n", env


def _compare_source(cls: type) -> tuple[str, dict[str, Any]]:
    """The code of `__repr__`, `__eq__` and (frozen classes) `__hash__`."""
    specs = cls.__dict__["__record_fields__"]
    compared = [spec.name for spec in specs if spec.compare]
    mine = "(" + "".join(f"self.{name}," for name in compared) + ")"
    theirs = "(" + "".join(f"other.{name}," for name in compared) + ")"
    shown = ", ".join(f"{spec.name}={{self.{spec.name}!r}}" for spec in specs)
    lines = [
        "def __repr__(self):",
        f"  return f'{{self.__class__.__qualname__}}({shown})'",
        "def __eq__(self, other):",
        "  if other.__class__ is self.__class__:",
        f"    return {mine} == {theirs}",
        "  return NotImplemented",
    ]
    if cls.__dict__["__record_options__"][0]:
        lines += ["def __hash__(self):", f"  return hash({mine})"]
    return "\n".join(lines) + "\n", {}


def _compiled(instance: object, method: str, source: Callable[[type], tuple[str, dict[str, Any]]]) -> Any:
    """`method` of the record class of `instance`, compiled (with its siblings) at the first call."""
    cls = next(c for c in type(instance).__mro__ if "__record_fields__" in c.__dict__)
    if cls.__dict__[method] in (_first_init, _first_repr, _first_eq, _first_hash):
        code, env = source(cls)
        made: dict[str, Any] = {}
        exec(compile(code, f"<record {cls.__qualname__}>", "exec"), env, made)  # noqa: S102 - d2k's own text
        for name, function in made.items():
            function.__qualname__ = f"{cls.__qualname__}.{name}"
            setattr(cls, name, function)
    return getattr(cls, method)


# A class gets these at decoration. Its first COMPILE_AFTER constructions go through _assign, which
# reads the fields; the next one compiles the class's own __init__ (a class built a few times per
# run never pays a compile). The first call of `__repr__`, `__eq__` or `__hash__` compiles the three.
COMPILE_AFTER = 64
_constructed: dict[type, int] = {}


def _first_init(self: object, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    done = _constructed.get(cls, 0)
    if done < COMPILE_AFTER and "__record_fields__" in cls.__dict__ and _assign(cls, self, args, kwargs):
        _constructed[cls] = done + 1
        return
    _compiled(self, "__init__", _init_source)(self, *args, **kwargs)


def _assign(cls: type, self: object, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """What the compiled `__init__` does for a call it accepts; False, with nothing done, for any other
    call (too many arguments, an unknown or repeated name, a missing one): the compiled one refuses it."""
    names = cls.__dict__["__match_args__"]
    if len(args) > len(names):
        return False
    values = dict(zip(names, args, strict=False))
    for name, value in kwargs.items():
        if name in values or name not in cls.__dict__["__record_init__"]:
            return False
        values[name] = value
    if not cls.__dict__["__record_required__"] <= values.keys():
        return False
    store = object.__setattr__ if cls.__dict__["__record_options__"][0] else setattr
    for spec in cls.__dict__["__record_fields__"]:
        if spec.init and spec.name in values:
            store(self, spec.name, values[spec.name])
        elif spec.default_factory is not MISSING:
            store(self, spec.name, spec.default_factory())
        elif spec.default is not MISSING:
            store(self, spec.name, spec.default)
    if hasattr(cls, "__post_init__"):
        self.__post_init__()  # type: ignore[attr-defined]
    return True


def _first_repr(self: object) -> Any:
    return _compiled(self, "__repr__", _compare_source)(self)


def _first_eq(self: object, other: object) -> Any:
    return _compiled(self, "__eq__", _compare_source)(self, other)


def _first_hash(self: object) -> Any:
    return _compiled(self, "__hash__", _compare_source)(self)


def _build(cls: type, frozen: bool, slots: bool) -> type:
    specs = _fields_of(cls)
    if slots:
        if "__slots__" in cls.__dict__:
            raise TypeError(f"{cls.__name__} already specifies __slots__")
        namespace = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
        for spec in specs:
            namespace.pop(spec.name, None)  # a default would shadow the slot
        namespace["__slots__"] = tuple(spec.name for spec in specs)
        qualname = cls.__qualname__
        cls = type(cls)(cls.__name__, cls.__bases__, namespace)
        cls.__qualname__ = qualname
    else:
        for spec in specs:
            if isinstance(cls.__dict__.get(spec.name), Field):  # field(...) leaves the default, or nothing
                if spec.default is MISSING:
                    delattr(cls, spec.name)
                else:
                    setattr(cls, spec.name, spec.default)
    made: dict[str, Any] = {"__init__": _first_init, "__repr__": _first_repr, "__eq__": _first_eq}
    if frozen:
        made.update(__hash__=_first_hash, __setattr__=_frozen_setattr, __delattr__=_frozen_delattr)
    else:
        made["__hash__"] = None  # equality without frozen: unhashable, as dataclasses
    made["__match_args__"] = tuple(spec.name for spec in specs if spec.init)
    made["__record_init__"] = frozenset(made["__match_args__"])
    made["__record_required__"] = frozenset(
        spec.name for spec in specs if spec.init and spec.default is MISSING and spec.default_factory is MISSING)
    made["__record_fields__"] = tuple(specs)
    made["__record_options__"] = (frozen, slots)
    for name, value in made.items():
        setattr(cls, name, value)
    return cls


@overload
def dataclass(cls: type[T], /) -> type[T]: ...


@overload
def dataclass(*, frozen: bool = False, slots: bool = False) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(field,))
def dataclass(cls: type[T] | None = None, /, *, frozen: bool = False, slots: bool = False) -> Any:
    """As `dataclasses.dataclass` for the options d2k uses (frozen, slots)."""

    def wrap(cls: type[T]) -> type[T]:
        return _build(cls, frozen, slots)

    return wrap if cls is None else wrap(cls)


def fields(obj: Any) -> tuple[Field, ...]:
    """The fields of a record class or instance, in declaration order."""
    try:
        return obj.__record_fields__  # type: ignore[no-any-return]
    except AttributeError:
        raise TypeError("must be called with a dataclass type or instance") from None


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record `obj` with `changes`, through its `__init__` (so `__post_init__` runs)."""
    for spec in fields(obj):
        if not spec.init:
            if spec.name in changes:
                raise ValueError(f"field {spec.name} is declared with init=False, it cannot be specified with replace()")
        elif spec.name not in changes:
            changes[spec.name] = getattr(obj, spec.name)
    return obj.__class__(**changes)
