"""Storage: Docker's mounts -> pod volumes, volumeMounts, claims, PersistentVolumes and file ConfigMaps.

Named volumes become one claim each, shared by every Pod that mounts them (bound to a
PersistentVolume when `docker volume create` said where the data lives: NFS, a host folder);
anonymous volumes emptyDirs; binds of files beside the input ConfigMaps (Secrets for
credentials), other binds hostPaths; tmpfs memory-backed emptyDirs. Where Docker copied the
image's files into a new volume, an initContainer copies them. Builders are pure and report
what they approximate, in the user's Docker words.
"""

from __future__ import annotations

import base64
import shlex
from typing import TYPE_CHECKING

from d2k.emitters.common import KEY as _KEY
from d2k.emitters.common import KEY_CHARS as _KEY_CHARS
from d2k.emitters.common import Obj, data_key
from d2k.emitters.common import metadata as _metadata
from d2k.emitters.common import quantity_bytes as _quantity_bytes
from d2k.model import Container, Graph, Mount, Volume
from d2k.names import dns1123_label, unique
from d2k.records import dataclass, field, replace
from d2k.report import Report, Severity
from d2k.secrets import is_credential_file, redact_assignment

if TYPE_CHECKING:
    from d2k.emitters.kubernetes import EmitOptions, _Pod

_PROPAGATION = {"rshared": "Bidirectional", "shared": "Bidirectional", "rslave": "HostToContainer",
                "slave": "HostToContainer"}  # fmt: skip
RWO, RWX, RWOP = "ReadWriteOnce", "ReadWriteMany", "ReadWriteOncePod"
SEED_PATH = "/d2k-seed"  # where an initContainer mounts the volume it fills with the image's files


@dataclass(slots=True)
class Claims:
    """The storage objects so far, shared by every workload: claims by Docker volume, the
    PersistentVolumes behind them, ConfigMaps/Secrets of bind-mounted files, and who mounts each claim."""

    declared: dict[str, Volume] = field(default_factory=dict)  # `docker volume create`
    by_volume: dict[str, Obj] = field(default_factory=dict)
    by_claim: dict[str, Obj] = field(default_factory=dict)  # the same claims by their Kubernetes name
    taken: set[str] = field(default_factory=set)
    persistent_volumes: list[Obj] = field(default_factory=list)
    files: dict[str, Obj] = field(default_factory=dict)  # bind source -> its ConfigMap or Secret
    file_names: set[str] = field(default_factory=set)
    file_name_of: dict[str, str] = field(default_factory=dict)  # bind source -> its object's name (storage_plan)
    users: dict[str, dict[str, Container]] = field(default_factory=dict)  # claim -> workload -> first container
    local: dict[str, Obj] = field(default_factory=dict)  # volume -> pod volume source (tmpfs, bind volumes)
    data_names: dict[str, str] = field(default_factory=dict)  # Compose "secret:NAME"/"config:NAME" -> object name

    def objects(self) -> list[Obj]:
        return [*self.by_volume.values(), *self.persistent_volumes, *self.files.values()]


def volume_mounts(
    c: Container, cname: str, pod: _Pod, graph: Graph, report: Report, options: EmitOptions, claims: Claims
) -> list[Obj]:
    mounts: list[Obj] = []
    sources = [(m, c) for m in c.mounts]
    for other, mode in c.volumes_from:
        donor = graph.containers[other]
        for m in donor.mounts:
            sources.append((_as_mode(m, mode), donor))
    if c.shm_size:
        sources.append((Mount("tmpfs", "/dev/shm", size_limit=c.shm_size), c))
    workload = graph.workload_names[graph.pods[c.name]]
    seeds = set(graph.seeds.get(c.name, ()))
    for m, owner in sources:
        if any(e["mountPath"] == m.target for e in mounts):
            continue
        volume = _volume(m, owner, workload, pod, report, options, claims)
        entry: Obj = {"name": volume, "mountPath": m.target}
        if m.read_only or _is_file_volume(m):
            entry["readOnly"] = True
        if m.subpath:
            entry["subPath"] = m.subpath
        elif _is_file_volume(m) and m.host_kind == "file":
            entry["subPath"] = _file_key(m.host_files[0][0])
        elif m.type in ("secret", "config"):
            entry["subPath"] = data_key(m.source)  # the one file, at the path Compose mounts it
        propagation = _PROPAGATION.get(m.propagation)
        if propagation:
            entry["mountPropagation"] = propagation
        if owner is c and m.target in seeds:
            pod.init_containers.append(seed_container(c, m.target, volume, pod))
        mounts.append(entry)
    # by path, as Docker mounts them (a parent before what is mounted inside it), whatever order they were
    # given or an engine lists them in
    return sorted(mounts, key=lambda e: str(e["mountPath"]))


def seed_container(c: Container, target: str, volume: str, pod: _Pod) -> Obj:
    """An initContainer from the container's image that copies the image's files at `target` into
    the volume, only while the volume is empty, as Docker fills a new volume (owners kept: root)."""
    taken = {i["name"] for i in pod.init_containers}
    name = unique(f"seed-{volume}"[:63].rstrip("-"), taken)
    path = shlex.quote(target.rstrip("/") or "/")
    script = (f"[ -d {path} ] || exit 0; ls -A {SEED_PATH} | grep -qv '^lost+found$' "
              f"|| cp -a {path}/. {SEED_PATH}/")  # fmt: skip
    spec: Obj = {"name": name, "image": c.image, "command": ["sh", "-c", script],
                 "securityContext": {"runAsUser": 0},
                 "volumeMounts": [{"name": volume, "mountPath": SEED_PATH}]}  # fmt: skip
    return spec


def match_pull_policy(init_containers: list[Obj], containers: list[Obj]) -> None:
    """A seed initContainer pulls its image as the container it fills does (same image, same policy)."""
    for init in init_containers:
        policy = next((x["imagePullPolicy"] for x in containers if x["image"] == init["image"]
                       and "imagePullPolicy" in x), None)  # fmt: skip
        if policy:
            init["imagePullPolicy"] = policy


def _as_mode(m: Mount, mode: str) -> Mount:
    return replace(m, read_only=m.read_only or mode == "ro")


def _is_file_volume(m: Mount) -> bool:
    return m.type == "bind" and bool(m.host_files)


def _file_key(name: str) -> str:
    return name if _KEY.match(name) else _KEY_CHARS.sub("_", name) or "file"


def _volume(
    m: Mount, owner: Container, workload: str, pod: _Pod, report: Report, options: EmitOptions, claims: Claims
) -> str:
    """The pod volume backing a mount (created on first use): PVC, ConfigMap/Secret, emptyDir or hostPath."""
    if m.type == "volume" and m.source and m.source in claims.local:
        name = dns1123_label(m.source, "data")
        source: Obj = claims.local[m.source]
    elif m.type == "volume" and m.source:
        claim = _claim(m.source, owner, claims, report, options)
        claims.users.setdefault(claim, {}).setdefault(workload, owner)
        name = claim
        source = {"persistentVolumeClaim": {"claimName": claim}}
    elif _is_file_volume(m):
        obj = _file_object(m, workload, claims, options)
        name = str(obj["metadata"]["name"])[:63].rstrip("-")
        source = _file_source(m, obj)
    elif m.type in ("secret", "config"):
        name = (m.type + "-" + dns1123_label(m.source, "data"))[:63].rstrip("-")
        item: Obj = {"key": data_key(m.source), "path": data_key(m.source)}
        if m.mode is not None:
            item["mode"] = m.mode
        ref = claims.data_names.get(f"{m.type}:{m.source}") or dns1123_label(m.source, "data")
        source = ({"secret": {"secretName": ref, "items": [item]}} if m.type == "secret"
                  else {"configMap": {"name": ref, "items": [item]}})
    elif m.type == "bind":
        # named after the path's last two steps (/srv/app/config -> host-app-config): readable, and the same
        # wherever the input was checked out; two sources that name alike are told apart below
        name = "host-" + dns1123_label("/".join(m.source.rstrip("/").split("/")[-2:]), "root")
        name = name[:63].rstrip("-")
        source = {"hostPath": {"path": m.source}}
    elif m.type == "tmpfs":
        name = "tmp-" + dns1123_label(m.target, "root")
        name = name[:63].rstrip("-")
        empty: Obj = {"medium": "Memory"}
        if m.size_limit:
            empty["sizeLimit"] = _quantity_bytes(m.size_limit)
        source = {"emptyDir": empty}
    else:
        name = (dns1123_label(owner.name) + "-" + dns1123_label(m.target, "root"))[:63].rstrip("-")
        source = {"emptyDir": {}}
    existing = pod.volumes.get(name)
    if existing is not None and {k: v for k, v in existing.items() if k != "name"} != source:
        name = unique(name, set(pod.volumes))
    pod.volumes.setdefault(name, {"name": name, **source})
    return name


def _claim(volume: str, owner: Container, claims: Claims, report: Report, options: EmitOptions) -> str:
    """The PVC of a Docker volume: one per volume, shared by every Pod that mounts it, names never merged."""
    existing = claims.by_volume.get(volume)
    if existing is not None:
        return str(existing["metadata"]["name"])
    wanted = dns1123_label(volume, "data")
    name = unique(wanted, claims.taken)
    if name != wanted:
        report.add("claim-renamed", Severity.APPROXIMATED,
                   f"volume {volume} becomes claim {name}: {wanted} is another volume's", owner.origin, owner.name)
    claims.taken.add(name)
    pv = _persistent_volume_for(claims.declared.get(volume), name, options, report)
    claims.by_volume[volume] = claims.by_claim[name] = persistent_volume_claim(name, volume, options, pv)
    if pv is not None:
        claims.persistent_volumes.append(pv)
    return name


def persistent_volume_claim(name: str, volume: str, options: EmitOptions, pv: Obj | None = None) -> Obj:
    meta = _metadata(name, options)
    if name != volume:
        meta["annotations"] = {"d2k.io/docker-volume": volume}
    spec: Obj = {"accessModes": [options.access_mode], "resources": {"requests": {"storage": options.storage_size}}}
    if pv is not None:
        spec["accessModes"] = list(pv["spec"]["accessModes"])
        spec["storageClassName"] = ""
        spec["volumeName"] = pv["metadata"]["name"]
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta, "spec": spec}


# ---- docker volume create options ---------------------------------------------------------------


def volume_options(volume: Volume) -> dict[str, str]:
    return dict(volume.options)


def storage_plan(graph: Graph, report: Report) -> Claims:
    """The shared storage state of one conversion: declared volumes, and those that are pod-local (tmpfs)."""
    claims = Claims(declared=dict(graph.volumes))
    for name, volume in sorted(graph.volumes.items()):
        opts = volume_options(volume)
        if volume.driver == "local" and opts.get("type") == "tmpfs":
            empty: Obj = {"medium": "Memory"}
            size = _tmpfs_size(opts.get("o", ""))
            if size:
                empty["sizeLimit"] = size
            claims.local[name] = {"emptyDir": empty}
            report.add("volume-tmpfs", Severity.APPROXIMATED,
                       f"volume {name} is a tmpfs: an emptyDir in memory in each Pod (Docker shares one tmpfs "
                       "between the containers that mount it while they run)", volume.origin)
    _name_file_objects(graph, claims)
    return claims


def _name_file_objects(graph: Graph, claims: Claims) -> None:
    """Each bind source read in gets its ConfigMap/Secret name up front, after the first workload (by name) that
    mounts it, in source order: the same names whatever order the workloads are emitted in (from-compose and
    from-running read the same project in different orders)."""
    users: dict[str, tuple[str, Mount]] = {}
    for c in graph.containers.values():
        workload = graph.workload_names[graph.pods[c.name]]
        for m in c.mounts:
            if _is_file_volume(m) and (m.source not in users or workload < users[m.source][0]):
                users[m.source] = (workload, m)
    for source, (workload, m) in sorted(users.items()):
        base = source.rstrip("/").rpartition("/")[2]
        wanted = dns1123_label(f"{workload}-{'file' if m.host_kind == 'file' else 'dir'}-{base}", "files")
        name = unique(wanted, claims.file_names)
        claims.file_names.add(name)
        claims.file_name_of[source] = name


def _tmpfs_size(o: str) -> str:
    from d2k.parsers.values import parse_tmpfs

    try:
        size = parse_tmpfs("/x:" + ",".join(p for p in o.split(",") if p.startswith("size="))).size_limit
    except ValueError:
        return ""
    return _quantity_bytes(size) if size else ""


def _persistent_volume_for(volume: Volume | None, claim: str, options: EmitOptions, report: Report) -> Obj | None:
    """The PersistentVolume a `docker volume create` names (NFS export, a host folder), else None (dynamic)."""
    if volume is None or not volume.options and volume.driver == "local":
        return None
    where = volume.origin
    if volume.driver != "local":
        report.add("volume-driver", Severity.NOT_CARRIED,
                   f"volume {volume.name} uses the {volume.driver} driver: a claim from the default StorageClass; "
                   "install the matching CSI driver and set storageClassName", where)
        return None
    opts = volume_options(volume)
    kind, device, mount_opts = opts.get("type", ""), opts.get("device", ""), opts.get("o", "")
    words = [w for w in mount_opts.split(",") if w]
    if kind in ("nfs", "nfs4"):
        server = next((w[5:] for w in words if w.startswith("addr=")), "")
        host, sep, path = device.partition(":")
        if not sep or not path.startswith("/") or not (server or host):
            report.add("volume-nfs", Severity.NOT_CARRIED,
                       f"volume {volume.name}: NFS needs o=addr=SERVER and device=:/export (or SERVER:/export): "
                       "a claim from the default StorageClass instead", where)
            return None
        spec: Obj = {"nfs": {"server": server or host, "path": path}}
        if "ro" in words:
            spec["nfs"]["readOnly"] = True
        rest = [w for w in words if not w.startswith("addr=") and w not in ("ro", "rw")]
        if kind == "nfs4" and not any(w.startswith(("vers=", "nfsvers=")) for w in rest):
            rest.insert(0, "nfsvers=4")
        if rest:
            spec["mountOptions"] = rest
        report.add("volume-nfs", Severity.INFO,
                   f"volume {volume.name}: a PersistentVolume on NFS {server or host}:{path}, bound to claim {claim} "
                   "(ReadWriteMany: every Pod mounts the same export, as every container did)", where)
        return persistent_volume(claim, spec, [RWX], options)
    if "bind" in words and device.startswith("/"):
        report.add("volume-bind", Severity.APPROXIMATED,
                   f"volume {volume.name} binds the host folder {device}: a hostPath PersistentVolume, bound to "
                   f"claim {claim}; the folder must exist on the node the Pod runs on", where)
        return persistent_volume(claim, {"hostPath": {"path": device}}, [RWO], options)
    shown = ", ".join(f"{k}={','.join(redact_assignment(w) for w in v.split(','))}" for k, v in volume.options)
    hint = (" (give each option its own --opt: --opt type=nfs --opt o=addr=HOST --opt device=:/export)"
            if "," in kind else " (for SMB/CIFS: the SMB CSI driver and a PersistentVolume)" if kind in ("cifs", "smb3")
            else "")  # fmt: skip
    report.add("volume-options", Severity.NOT_CARRIED,
               f"volume {volume.name} ({shown}): no Kubernetes volume is made from these options{hint}; "
               "a claim from the default StorageClass instead: create a PersistentVolume for it", where)
    return None


def persistent_volume(claim: str, source: Obj, modes: list[str], options: EmitOptions) -> Obj:
    """A PersistentVolume reserved for one claim: volumeName on the claim, claimRef when the namespace is known."""
    name = f"{options.namespace}-{claim}" if options.namespace else claim
    meta = _metadata(name, options)
    meta.pop("namespace", None)  # cluster-scoped
    spec: Obj = {"capacity": {"storage": options.storage_size}, "accessModes": modes,
                 "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "", **source}  # fmt: skip
    if options.namespace:
        spec["claimRef"] = {"namespace": options.namespace, "name": claim}
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": meta, "spec": spec}


# ---- bind-mounted files beside the input ------------------------------------------------------


def _file_object(m: Mount, workload: str, claims: Claims, options: EmitOptions) -> Obj:
    """The ConfigMap (a Secret when a name or a line looks like a credential) holding a bind's files."""
    existing = claims.files.get(m.source)
    if existing is not None:
        return existing
    name = claims.file_name_of[m.source]
    secret = any(is_credential_file(n, data) for n, data, _x in m.host_files)
    text: dict[str, str] = {}
    binary: dict[str, str] = {}
    for n, data, _x in m.host_files:
        try:
            text[_file_key(n)] = data.decode("utf-8")
        except UnicodeDecodeError:
            binary[_file_key(n)] = base64.b64encode(data).decode("ascii")
    meta = _metadata(name, options)
    obj: Obj
    if secret:
        obj = {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque"}
        if text:
            obj["stringData"] = dict(sorted(text.items()))
        if binary:
            obj["data"] = dict(sorted(binary.items()))
    else:
        obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}
        if text:
            obj["data"] = dict(sorted(text.items()))
        if binary:
            obj["binaryData"] = dict(sorted(binary.items()))
    claims.files[m.source] = obj
    return obj


def _file_source(m: Mount, obj: Obj) -> Obj:
    items = [{"key": _file_key(n), "path": _file_key(n), "mode": 0o755} for n, _d, executable in m.host_files
             if executable]  # fmt: skip
    ref: Obj = {"secretName": obj["metadata"]["name"]} if obj["kind"] == "Secret" else {"name": obj["metadata"]["name"]}
    if items:
        keys = {i["key"] for i in items}
        ref["items"] = sorted([*items, *({"key": _file_key(n), "path": _file_key(n)} for n, _d, _x in m.host_files
                                         if _file_key(n) not in keys)], key=lambda i: i["key"])  # fmt: skip
    return {"secret": ref} if obj["kind"] == "Secret" else {"configMap": ref}


# ---- shared claims and rollouts ---------------------------------------------------------------


def report_shared_claims(claims: Claims, report: Report) -> None:
    """A ReadWriteOnce claim mounted by two workloads attaches to one node: both Pods must land there."""
    for claim, users in claims.users.items():
        modes = _claim_modes(claims, claim)
        if len(users) < 2 or not {RWO, RWOP} & set(modes):
            continue
        first = next(iter(users.values()))
        report.add("shared-claim", Severity.APPROXIMATED,
                   f"claim {claim} is mounted by {', '.join(sorted(users))}: {modes[0]} attaches it to one node "
                   f"{'(one Pod) ' if modes[0] == RWOP else ''}so Pods scheduled elsewhere fail (Multi-Attach); use --access-mode ReadWriteMany with a "
                   "StorageClass that offers it (NFS, CephFS, EFS, Azure Files)", first.origin, first.name)


def _claim_modes(claims: Claims, claim: str) -> list[str]:
    obj = claims.by_claim.get(claim)  # a look-up, never a scan: every Deployment with a claim asks
    return list(obj["spec"]["accessModes"]) if obj is not None else []


def rollout_strategy(spec: Obj, claims: Claims) -> Obj:
    """`Recreate` for a Deployment with a ReadWriteOnce claim: a rolling update would start the new Pod
    while the old one holds the volume (stuck on another node); Docker also stops before it starts."""
    names = {v["persistentVolumeClaim"]["claimName"] for v in spec.get("volumes", []) if "persistentVolumeClaim" in v}
    single = {RWO, RWOP}
    return {"type": "Recreate"} if any(single & set(_claim_modes(claims, n)) for n in sorted(names)) else {}
