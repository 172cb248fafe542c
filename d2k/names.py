"""Every Kubernetes name d2k emits goes through here: DNS-1123/1035 labels, port names, label checks."""

from __future__ import annotations

from d2k import validate as rules  # the API server's grammars, in one place
from d2k.patterns import lazy

_NOT_DNS = lazy(r"[^a-z0-9-]+")
_DASHES = lazy(r"-{2,}")

# Short, readable names for well-known ports (a port name must hold a letter and fit 15 characters).
WELL_KNOWN_PORTS = {
    22: "ssh", 53: "dns", 80: "http", 443: "https", 1883: "mqtt", 2181: "zookeeper",
    3306: "mysql", 5432: "postgresql", 5672: "amqp", 6379: "redis", 8080: "http-alt", 9042: "cql",
    9200: "elasticsearch", 11211: "memcache", 27017: "mongodb",
}  # fmt: skip


def is_dns1123_label(name: str) -> bool:
    return not rules.dns1123_label(name)


def is_dns1035_label(name: str) -> bool:
    return not rules.dns1035_label(name)


def dns1123_label(name: str, fallback: str = "x") -> str:
    """Lower-case, `_`/`.`/anything else -> `-`, no leading/trailing `-`, at most 63 characters."""
    label = _DASHES.sub("-", _NOT_DNS.sub("-", name.lower())).strip("-")[:63].rstrip("-")
    return label or fallback


def dns1035_label(name: str) -> str:
    """A DNS-1123 label that starts with a letter (Service names): a leading digit gets an `s-` prefix."""
    label = dns1123_label(name, "svc")
    if not label[0].isalpha():
        label = ("s-" + label)[:63].rstrip("-")
    return label


def port_name(port: int, protocol: str = "tcp") -> str:
    """`http`, `redis`, `p8081`, `dns-udp`: IANA-style (<= 15 characters, a letter, no `--`)."""
    base = WELL_KNOWN_PORTS.get(port, f"p{port}")
    name = base if protocol == "tcp" else f"{base}-{protocol}"
    if len(name) > 15:  # `elasticsearch-udp`: fall back to the number, which always fits
        name = f"p{port}" if protocol == "tcp" else f"p{port}-{protocol}"
    return name


def is_label_key(key: str) -> bool:
    return not rules.qualified_name(key)


def is_label_value(value: str) -> bool:
    return not rules.label_value(value)


def unique(name: str, taken: set[str], limit: int = 63) -> str:
    """`name`, else `name-2`, `name-3`, ... trimmed to fit `limit` characters."""
    if name not in taken:
        return name
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = name[: limit - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1
