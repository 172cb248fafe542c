"""What well-known images EXPOSE and declare as VOLUMEs, without pulling them.

A container reached by others (`--link redis`, a shared network) often has no
`-p`/`--expose` on its `docker run` line: the port it listens on lives in the
image's Dockerfile. Pulling images is slow and needs an engine, so d2k ships
a small catalog (d2k/data/images.json) of widely used images, checked against
their Dockerfiles. The catalog is read lazily, on first use, so importing this
module costs nothing.

Lookups take image references as users write them (`redis:7-alpine`,
`docker.io/library/redis@sha256:...`, `localhost:5000/app:1`) and normalise
them the way Docker does before looking the repository up.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib import resources
from typing import Any

__all__ = ["image_content", "image_ports", "image_volumes", "known_repositories", "normalise_repository", "over_content"]

# Hosts that all mean Docker Hub; Docker itself rewrites index.docker.io to docker.io.
_HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_PROTOCOLS = frozenset({"tcp", "udp", "sctp"})


def _split_reference(image: str) -> tuple[str, str | None]:
    """Split a reference into (repository as written, tag or None); the digest is dropped."""
    ref = image.strip()
    ref = ref.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    # A colon after the last slash is a tag; one before it belongs to a registry host:port.
    if colon > slash:
        return ref[:colon], ref[colon + 1 :] or None
    return ref, None


def _split_domain(repository: str) -> tuple[str | None, str]:
    """Separate a registry host from the path, using Docker's rule for the first component."""
    first, sep, rest = repository.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        return first.lower(), rest
    return None, repository


@lru_cache(maxsize=4096)  # a large input names a few images thousands of times
def normalise_repository(image: str) -> str:
    """Repository key for an image reference: no tag, no digest, Docker Hub prefixes removed.

    `redis:7`, `library/redis`, `docker.io/library/redis@sha256:...` -> `redis`;
    `quay.io/keycloak/keycloak:25` -> `quay.io/keycloak/keycloak`;
    `localhost:5000/app:1` -> `localhost:5000/app` (the port stays: it names the registry).
    """
    repository, _tag = _split_reference(image)
    domain, path = _split_domain(repository)
    if domain is not None and domain not in _HUB_HOSTS:
        return f"{domain}/{path}"
    if path.startswith("library/") and path.count("/") == 1:
        path = path[len("library/") :]
    return path


@cache
def _catalog() -> dict[str, dict[str, Any]]:
    """Load images.json once, on first lookup (never at import time)."""
    package = __name__.rpartition(".")[0] or "d2k"
    text = (resources.files(package) / "data" / "images.json").read_text(encoding="utf-8")
    data = json.loads(text)
    images: dict[str, dict[str, Any]] = data["images"]
    return images


def _parse_port(spec: str) -> tuple[int, str]:
    """`8125/udp` -> (8125, 'udp'); a bare number is tcp, as in a Dockerfile's EXPOSE."""
    number, _sep, protocol = spec.partition("/")
    port = int(number)
    protocol = (protocol or "tcp").lower()
    if not 1 <= port <= 65535 or protocol not in _PROTOCOLS:
        raise ValueError(f"bad port in image catalog: {spec!r}")
    return port, protocol


@lru_cache(maxsize=4096)
def _entry_field(image: str, field: str) -> list[str] | None:
    """A field of the catalog entry, with the tag's variant (e.g. `-management`, `fpm`) applied."""
    entry = _catalog().get(normalise_repository(image))
    if entry is None:
        return None
    values: list[str] | None = entry.get(field)
    _repository, tag = _split_reference(image)
    variants: dict[str, dict[str, list[str]]] = entry.get("variants", {})
    if tag and variants:
        components = tag.lower().split("-")
        for name, override in variants.items():
            if name in components and field in override:
                values = override[field]
                break
    return values


def image_ports(image: str) -> list[tuple[int, str]] | None:
    """Ports the image EXPOSEs as (port, protocol); None if the image is not in the catalog.

    An empty list means the image is known to expose nothing (e.g. `python`).
    """
    specs = _entry_field(image, "ports")
    if specs is None:
        return None
    return [_parse_port(spec) for spec in specs]


def image_volumes(image: str) -> list[str] | None:
    """VOLUME paths the image declares; None if the image is unknown or its volumes were not checked."""
    paths = _entry_field(image, "volumes")
    return None if paths is None else list(paths)


def image_content(image: str) -> list[str] | None:
    """Directories where the image holds files; None if the image is unknown or its content was not checked.

    An empty list means the image's VOLUME paths are empty directories (postgres' PGDATA, redis' /data).
    """
    paths = _entry_field(image, "content")
    return None if paths is None else list(paths)


def over_content(target: str, content: list[str]) -> bool:
    """A mount at `target` meets the image's files: at, above or below one of the content directories."""
    target = target.rstrip("/")
    for path in content:
        path = path.rstrip("/")
        if target == path or path.startswith(target + "/") or target.startswith(path + "/"):
            return True
    return False


def known_repositories() -> list[str]:
    """Every repository key in the catalog, sorted (for reports and tests)."""
    return sorted(_catalog())
