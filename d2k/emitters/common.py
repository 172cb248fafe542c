"""What every Kubernetes builder shares: the object type, d2k's labels, metadata and byte quantities.

Its own module so that the builder families (workloads in kubernetes.py, storage in storage.py)
import it without importing each other.
"""

from __future__ import annotations

from typing import Any, Protocol

from d2k.patterns import lazy

NAME_LABEL = "app.kubernetes.io/name"
PART_OF_LABEL = "app.kubernetes.io/part-of"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
Obj = dict[str, Any]
KEY = lazy(r"^[-._a-zA-Z0-9]{1,253}$")  # ConfigMap and Secret keys
KEY_CHARS = lazy(r"[^-._a-zA-Z0-9]")


class Scope(Protocol):
    """The options metadata depends on (EmitOptions has them)."""

    @property
    def namespace(self) -> str: ...

    @property
    def part_of(self) -> str: ...


def metadata(name: str, options: Scope, labels: dict[str, str] | None = None) -> Obj:
    meta: Obj = {"name": name}
    if options.namespace:
        meta["namespace"] = options.namespace
    meta["labels"] = {**(labels or {}), **common_labels(options)}
    return meta


def common_labels(options: Scope) -> dict[str, str]:
    labels = {MANAGED_BY_LABEL: "d2k"}
    if options.part_of:
        labels[PART_OF_LABEL] = options.part_of
    return labels


def quantity_bytes(n: int) -> str:
    for unit, size in (("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


def data_key(name: str) -> str:
    """The key a Compose secret or config has in its Secret or ConfigMap (the file name it is mounted as)."""
    return KEY_CHARS.sub("_", name)[:253] or "data"
