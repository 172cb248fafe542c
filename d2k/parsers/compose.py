"""A Compose project -> the service graph: one Container per service, every key with its fate and line.

Compose loads the project (d2k.parsers.compose_loader); each key of each service goes through its
row of the key table (d2k.parsers.compose_keys), which hands docker-run-equivalent keys to the
flag handlers. The top-level secrets, configs, volumes and networks become the graph's files,
volumes and networks. Inference and emitters then do not know the containers came from Compose.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from d2k.model import Container, DataFile, Fate, FlagUse, Graph, Network, Origin, Volume
from d2k.parsers.compose_keys import EXTENSION, KEYS, KeyContext
from d2k.parsers.compose_loader import Loading, Request, Sources, finish, load
from d2k.parsers.storage import resolve_binds
from d2k.records import dataclass, replace
from d2k.report import Report, Severity
from d2k.secrets import REDACTED, is_credential, redact_url

_TEXT_LIMIT = 120
_CONSUMED = frozenset({"env_file", "extends", "label_file"})  # Compose resolves them out of its JSON


@dataclass(slots=True)
class Parsed:
    graph: Graph
    report: Report
    project: str
    files: list[str]


def parse_compose(request: Request | Loading) -> Parsed:
    """Load the project with Compose (or collect a load already started) and map it; bad input is one line."""
    project, sources = finish(request) if isinstance(request, Loading) else load(request)
    return parse_project(project, sources)


def parse_project(project: dict[str, Any], sources: Sources) -> Parsed:
    """Compose's canonical JSON (and where its keys were written) -> graph and report."""
    graph, report = Graph(), Report()
    services = project.get("services") or {}
    for name in _pod_order(services):
        if (services[name] or {}).get("provider"):
            file, line = sources.service(name)
            report.add("provider-service", Severity.NOT_CARRIED,
                       f"service {name} is run by a Compose provider plugin, not as a container: not carried",
                       Origin(file, line, f"services.{name}"))
            continue
        c = _container(name, services[name] or {}, project, sources)
        # a bind of a file or small folder beside the project is a ConfigMap, as for docker run beside a script
        resolve_binds(c, sources.base or os.path.dirname(os.path.abspath(c.origin.file)))
        graph.containers[name] = c
    if project.get("models"):
        report.add("models", Severity.NOT_CARRIED,
                   f"models {', '.join(sorted(project['models']))}: Compose AI models have no Kubernetes form here",
                   Origin(sources.files[0] if sources.files else "compose", 0))
    _top_level(project, sources, graph, report)
    return Parsed(graph, report, str(project.get("name") or ""), list(sources.files))


def _pod_order(services: dict[str, Any]) -> list[str]:
    """Service names sorted, but a service whose namespaces another joins (service:X) before that one."""
    done: list[str] = []

    def visit(name: str, path: frozenset[str]) -> None:
        if name in done or name in path or name not in services:
            return
        svc = services[name] or {}
        for key in ("network_mode", "pid", "ipc"):
            mode = str(svc.get(key) or "")
            if mode.startswith(("service:", "container:")):
                visit(mode.partition(":")[2], path | {name})
        done.append(name)

    for name in sorted(services):
        visit(name, frozenset())
    return done


def _container(name: str, svc: dict[str, Any], project: dict[str, Any], sources: Sources) -> Container:
    file, line = sources.service(name)
    image = str(svc.get("image") or f"{project.get('name', 'compose')}-{name}")
    c = Container(name=name, image=image, origin=Origin(file, line, f"services.{name}"))
    written = {k for where in sources.services.get(name, []) for k in where.keys}
    # keys Compose consumed (env_file, extends, label_file) are reported where they were written
    keys = [*svc.items(), *((k, None) for k in sorted(written - set(svc)) if k in _CONSUMED or k.startswith("x-"))]
    for key, value in keys:
        if value is None and key not in written:
            continue  # Compose's own placeholders (command: null, entrypoint: null): nothing was written
        row = EXTENSION if key.startswith("x-") else KEYS.get(key)
        kfile, kline = sources.key(name, key)
        origin = Origin(kfile, kline, _shown(key, value, sources.base))
        ctx = KeyContext(key, origin, project, name)
        if row is None:
            ctx.say(Fate.NOT_CARRIED, f"{key} is unknown to d2k: not carried")
        else:
            row.handler(c, value, ctx)
        c.flags.append(FlagUse(key, origin, ctx.fate, "; ".join(ctx.notes)))
    _settle(c)
    return c


def _settle(c: Container) -> None:
    """A knob with nothing to turn, known once every key is read (as flags.settle does for docker run)."""
    for k, use in enumerate(c.flags):
        if use.flag == "cpu_period" and use.fate is Fate.MAPPED and not (c.cpu_quota and c.cpu_quota > 0):
            c.flags[k] = replace(use, fate=Fate.IRRELEVANT, note="without cpu_quota the period limits nothing")


def _shown(key: str, value: Any, base: str) -> str:
    """The key as the report shows it, in Compose's short syntax where there is one: environment by names
    only, credentials and URL passwords redacted, paths under the project folder relative to it."""
    if key == "environment" and isinstance(value, dict):
        return "environment: " + ", ".join(value)
    short = _SHORT.get(key)
    if short is not None and isinstance(value, list | dict):
        items = value.items() if isinstance(value, dict) else value
        text = ", ".join(short(item) for item in items)
        return f"{key}: {_relative(redact_url(text), base)}"
    value = _redacted(value)
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False) if value is not None else ""
    text = _relative(redact_url(text.strip('"')), base)
    if len(text) > _TEXT_LIMIT:
        text = text[: _TEXT_LIMIT - 3] + "..."
    return f"{key}: {text}" if text else key


def _redacted(value: Any) -> Any:
    """Credential-named entries (a splunk-token in logging options, a PASSWORD label) and URL passwords, at any depth."""
    if isinstance(value, dict):
        return {k: REDACTED if isinstance(x, str | int) and is_credential(str(k), str(x)) else _redacted(x)
                for k, x in value.items()}
    if isinstance(value, list):
        return [_redacted(x) for x in value]
    return redact_url(value) if isinstance(value, str) else value


def _relative(text: str, base: str) -> str:
    return text.replace(base + os.sep, "./") if base else text


def _port(p: dict[str, Any]) -> str:
    host = f"{p['host_ip']}:" if p.get("host_ip") else ""
    published = f"{p['published']}:" if p.get("published") else ""
    return f"{host}{published}{p.get('target')}/{p.get('protocol') or 'tcp'}"


def _mount(m: dict[str, Any]) -> str:
    source = f"{m['source']}:" if m.get("source") else ("tmpfs:" if m.get("type") == "tmpfs" else "")
    return f"{source}{m.get('target')}{':ro' if m.get('read_only') else ''}"


def _file(f: dict[str, Any]) -> str:
    return str(f.get("source")) + (f" -> {f['target']}" if f.get("target") else "")


def _dependency(item: tuple[str, Any]) -> str:
    name, opts = item
    return f"{name} ({(opts or {}).get('condition', 'service_started')})"


_SHORT: dict[str, Callable[[Any], str]] = {"ports": _port, "volumes": _mount, "secrets": _file, "configs": _file, "depends_on": _dependency}


def _top_level(project: dict[str, Any], sources: Sources, graph: Graph, report: Report) -> None:
    def origin(section: str, name: str) -> Origin:
        file, line = sources.top.get((section, name), (sources.files[0] if sources.files else "compose", 0))
        return Origin(file, line, f"{section}.{name}")

    for name, spec in sorted((project.get("volumes") or {}).items()):
        spec = spec or {}
        opts = tuple(sorted((str(k), str(x)) for k, x in (spec.get("driver_opts") or {}).items()))
        where = origin("volumes", name)
        # driver options mean what `docker volume create --opt` means: the storage emitter maps NFS, bind
        # and tmpfs volumes and reports the rest (values redacted), for both inputs alike
        graph.volumes[name] = Volume(name, str(spec.get("driver") or "local"), where, opts)
        if spec.get("external"):
            report.add("volume-external", Severity.APPROXIMATED,
                       f"volume {name} is external: d2k emits a claim for it; bind it to the existing volume's "
                       "PersistentVolume", where)
    for name, spec in sorted((project.get("networks") or {}).items()):
        spec = spec or {}
        graph.networks[name] = Network(name, str(spec.get("driver") or "bridge"), origin("networks", name))
        if spec.get("internal"):
            report.add("network-internal", Severity.NOT_CARRIED,
                       f"network {name} is internal (no way out): Pods can reach outside; a NetworkPolicy with "
                       "egress rules is the nearest thing", origin("networks", name))
    for section, secret in (("secrets", True), ("configs", False)):
        for name, spec in sorted((project.get(section) or {}).items()):
            where = origin(section, name)
            data = _file_content(name, spec or {}, secret, where, report)
            graph.files[("secret:" if secret else "config:") + name] = data


def _file_content(name: str, spec: dict[str, Any], secret: bool, where: Origin, report: Report) -> DataFile:
    """The content of a secret or config as Compose would give it: a file, an env variable, or inline."""
    kind = "secret" if secret else "config"
    make = "kubectl create secret generic" if secret else "kubectl create configmap"
    if "content" in spec:
        return DataFile(name, secret, str(spec["content"]), where, "content")
    if spec.get("environment"):
        variable = str(spec["environment"])
        value = os.environ.get(variable)
        if value is None:
            report.add(f"{kind}-empty", Severity.APPROXIMATED,
                       f"{kind} {name} comes from ${variable}, which is not set here: its {kind.title()} is "
                       f"emitted empty; fill it ({make} ... --from-literal)", where)
        return DataFile(name, secret, value, where, f"environment {variable}")
    if spec.get("file"):
        path = str(spec["file"])
        try:
            return DataFile(name, secret, Path(path).read_text(encoding="utf-8"), where, f"file {path}")
        except (OSError, UnicodeDecodeError):
            report.add(f"{kind}-empty", Severity.APPROXIMATED,
                       f"{kind} {name}: file {os.path.basename(path)} cannot be read as text here: its "
                       f"{'Secret' if secret else 'ConfigMap'} is emitted empty; fill it ({make} "
                       f"{name} --from-file=...)", where)
            return DataFile(name, secret, None, where, f"file {path}")
    report.add(f"{kind}-external", Severity.APPROXIMATED,
               f"{kind} {name} is external (or a Swarm {kind}): d2k emits an empty one to fill", where)
    return DataFile(name, secret, None, where, "external")
