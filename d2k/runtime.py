"""What process actually runs: Docker's argv and env for a Container, Kubernetes' for a container spec.

Two pure models of the two runtimes, so that tests can hold d2k's output to "the same process":
- Docker (daemon `mergeAndVerifyConfig`): `--entrypoint` given (even empty) drops the image CMD;
  `--entrypoint ""` also drops the image ENTRYPOINT; with nothing left to run Docker refuses
  ("No command specified"). Env: the image's, then `-e`/`--env-file` entries, nothing expanded.
- Kubernetes (kubelet + containerd CRI): a non-empty `command` replaces the image ENTRYPOINT and
  drops the image CMD unless `args` is given; an empty list counts as unset. The kubelet expands
  `$(NAME)` and `$$` in `command`, `args`, `env[].value` and exec probe commands (never in ConfigMap
  or Secret values): `env[].value` from the variables defined before it (envFrom first, then `env`
  in order), `command`/`args` from the final env, an exec probe from the `env` entries' literal
  `value`s only (ExpandContainerCommandOnlyStatic: a `valueFrom` entry reads as ""). An unknown
  `$(NAME)` stays as written.

The emitter writes a literal `$` as `$$` (escape()) so that both sides agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Obj = dict[str, Any]


def escape(text: str) -> str:
    """A string the kubelet will hand to the process unchanged."""
    return text.replace("$", "$$")


def expand(text: str, env: Mapping[str, str]) -> str:
    """The kubelet's expansion (k8s third_party/forked/golang/expansion): `$$` -> `$`, `$(NAME)` -> its value."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch != "$" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "(":
            close = text.find(")", i + 2)
            if close < 0:  # an incomplete reference is kept, and scanning goes on after the `$(`
                out.append("$(")
                i += 2
            else:
                name = text[i + 2 : close]
                out.append(env[name] if name in env else f"$({name})")
                i = close + 1
        else:
            out.append("$" + nxt)
            i += 2
    return "".join(out)


def docker_argv(
    entrypoint: Sequence[str] | None, command: Sequence[str] | None,
    image_entrypoint: Sequence[str] | None, image_cmd: Sequence[str] | None,
) -> list[str] | None:
    """The argv Docker runs (None: Docker refuses, "No command specified").

    `entrypoint` is --entrypoint as d2k models it: None not given, [] given empty, [word] given.
    """
    cmd = list(command or [])
    if entrypoint is None:
        ep = list(image_entrypoint or [])
        if not cmd:
            cmd = list(image_cmd or [])
    else:
        ep = [w for w in entrypoint if w != ""] if len(entrypoint) <= 1 else list(entrypoint)
    argv = ep + cmd
    return argv or None


def kubernetes_argv(
    spec: Obj, env: Mapping[str, str], image_entrypoint: Sequence[str] | None, image_cmd: Sequence[str] | None
) -> list[str] | None:
    """The argv the kubelet and containerd start for a container spec (None: "no command specified")."""
    command = [expand(w, env) for w in spec.get("command") or []]
    args = [expand(w, env) for w in spec.get("args") or []]
    if not command:
        command = list(image_entrypoint or [])
        if not args:
            args = list(image_cmd or [])
    argv = command + args
    return argv or None


def docker_env(env: Sequence[tuple[str, str | None]], cli_env: Mapping[str, str]) -> dict[str, str]:
    """The variables Docker sets from the user's entries (image ENV aside): a bare KEY copies the CLI's."""
    out: dict[str, str] = {}
    for name, value in env:
        if value is not None:
            out[name] = value
        elif name in cli_env:
            out[name] = cli_env[name]
        else:
            out.pop(name, None)
    return out


def kubernetes_env(spec: Obj, objects: Sequence[Obj]) -> dict[str, str]:
    """The variables a container spec sets (image ENV aside), after the kubelet's expansion.

    ConfigMaps and Secrets are looked up among `objects` (the same output); a reference to one that
    is not there raises KeyError, which a test should see.
    """
    data: dict[tuple[str, str], dict[str, str]] = {}
    for obj in objects:
        if obj.get("kind") in ("ConfigMap", "Secret"):
            values = {**(obj.get("data") or {}), **(obj.get("stringData") or {})}
            data[(obj["kind"], obj["metadata"]["name"])] = values
    env: dict[str, str] = {}
    for source in spec.get("envFrom") or []:
        if "configMapRef" in source:
            env.update(data[("ConfigMap", source["configMapRef"]["name"])])
        else:
            env.update(data[("Secret", source["secretRef"]["name"])])
    for var in spec.get("env") or []:
        ref = (var.get("valueFrom") or {})
        if "secretKeyRef" in ref:
            env[var["name"]] = data[("Secret", ref["secretKeyRef"]["name"])][ref["secretKeyRef"]["key"]]
        elif "configMapKeyRef" in ref:
            env[var["name"]] = data[("ConfigMap", ref["configMapKeyRef"]["name"])][ref["configMapKeyRef"]["key"]]
        else:
            env[var["name"]] = expand(var.get("value", ""), env)
    return env


def probe_argv(probe: Obj, spec: Obj) -> list[str]:
    """The argv the kubelet execs for an exec probe of the container `spec`."""
    static = {var["name"]: var.get("value", "") for var in spec.get("env") or []}
    return [expand(w, static) for w in probe["exec"]["command"]]


def docker_health_argv(test: Sequence[str]) -> list[str]:
    """The argv Docker execs for a healthcheck test as it stores it (`CMD-SHELL cmd` runs `/bin/sh -c cmd`)."""
    kind, *rest = test
    return ["/bin/sh", "-c", " ".join(rest)] if kind == "CMD-SHELL" else list(rest)
