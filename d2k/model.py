"""The service graph: the one model between parsers and emitters.

It speaks Docker, not Kubernetes: a Container holds what `docker run` (or the
engine's inspect payload) said, with each fact's Origin so that reports quote
the user's own words. Parsers build Containers; inference rules (d2k.infer)
add edges, resolved ports, pod grouping and the Service plan; emitters read
the result. No Kubernetes type appears here.
"""

from __future__ import annotations

from enum import StrEnum

from d2k.records import dataclass, field, fields


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a fact came from: file, 1-based line and the text as written (credentials redacted)."""

    file: str
    line: int
    text: str = ""

    def where(self) -> str:
        """`file:line`, or just the file (`container db`) for facts read from an engine."""
        return f"{self.file}:{self.line}" if self.line else self.file


class Fate(StrEnum):
    """What became of one flag of the input."""

    MAPPED = "mapped"
    APPROXIMATED = "approximated"
    NOT_CARRIED = "not-carried"
    IRRELEVANT = "irrelevant"


@dataclass(frozen=True, slots=True)
class FlagUse:
    """One flag occurrence as written, and its fate; the report lists every one."""

    flag: str  # canonical long name, e.g. "--publish"
    origin: Origin  # its text: the flag as written, e.g. "-p 8080:80" (credential values redacted)
    fate: Fate
    note: str = ""

    @property
    def text(self) -> str:
        """The flag as written (its origin's text)."""
        return self.origin.text


def protocol_suffix(protocol: str) -> str:
    """How Docker writes a port's protocol after its number: nothing for TCP, `/udp`, `/sctp`."""
    protocol = protocol.lower()
    return "" if protocol == "tcp" else f"/{protocol}"


@dataclass(frozen=True, slots=True)
class Port:
    """A container port; `published` when `-p` mapped it to the host."""

    container_port: int
    protocol: str = "tcp"  # tcp | udp | sctp
    published: bool = False
    host_port: int | None = None  # None with published=True: a random host port
    host_ip: str = ""  # "" = all interfaces
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class EnvVar:
    """One environment entry; value None is a bare `-e KEY` (taken from the docker CLI's environment)."""

    name: str
    value: str | None
    origin: Origin | None = None
    env_file: str = ""  # the --env-file it came from, "" for -e/--env


@dataclass(frozen=True, slots=True)
class Mount:
    """A filesystem mount from -v, --mount, --tmpfs or --shm-size."""

    type: str  # bind | volume | tmpfs | secret | config
    target: str
    source: str = ""  # bind: host path; volume: name ("" = anonymous); tmpfs: ""; secret/config: its name
    read_only: bool = False
    propagation: str = ""  # private | rprivate | shared | rshared | slave | rslave
    subpath: str = ""
    size_limit: int | None = None  # bytes (tmpfs size, shm size)
    options: tuple[str, ...] = ()  # options kept only for the report (z, Z, nocopy, mode=...)
    origin: Origin | None = None
    mode: int | None = None  # secret/config: the file mode (Compose's `mode`)
    # bind: what the source is beside the input ("file" | "dir" | "" unknown) and its files
    # (relative name, bytes, executable) when small enough for a ConfigMap; read by the parser, never by emitters
    host_kind: str = ""
    host_files: tuple[tuple[str, bytes, bool], ...] = ()


@dataclass(frozen=True, slots=True)
class Link:
    """`--link target:alias`: the consumer reaches `target` by the host name `alias`."""

    target: str
    alias: str
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class NetworkAttachment:
    """Membership of a user-defined network, with the aliases the container answers to there."""

    name: str
    aliases: tuple[str, ...] = ()
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class Dependency:
    """The container starts after `target` (Compose `depends_on`): started, healthy or completed."""

    target: str
    condition: str = "service_started"  # service_started | service_healthy | service_completed_successfully
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class DataFile:
    """A file the project hands to containers (a Compose secret or config): a Secret or ConfigMap.

    `content` None: d2k could not read it (a file that is not there, an unset variable)."""

    name: str
    secret: bool
    content: str | None = None
    origin: Origin | None = None
    source: str = ""  # where the content comes from, for the report ("file ./x", "environment X")


@dataclass(frozen=True, slots=True)
class Healthcheck:
    """Docker's healthcheck: test as Docker stores it (["CMD-SHELL", cmd] or ["CMD", argv...])."""

    test: tuple[str, ...]
    interval: float | None = None  # seconds
    timeout: float | None = None
    start_period: float | None = None
    start_interval: float | None = None
    retries: int | None = None


@dataclass(slots=True)
class Container:
    """One `docker run` (or one running container), as Docker understood it.

    Mutable while a parser fills it in; inference and emitters treat it as read-only.
    """

    name: str
    image: str
    origin: Origin
    name_given: bool = True  # False when d2k derived the name from the image
    command: list[str] | None = None  # args after the image (Kubernetes `args`)
    entrypoint: list[str] | None = None  # --entrypoint (Kubernetes `command`); [] resets it
    env: dict[str, EnvVar] = field(default_factory=dict)
    env_files: list[str] = field(default_factory=list)
    ports: list[Port] = field(default_factory=list)
    publish_all: bool = False
    links: list[Link] = field(default_factory=list)
    networks: list[NetworkAttachment] = field(default_factory=list)
    network_aliases: list[str] = field(default_factory=list)  # --network-alias: the first user network's
    network_mode: str = ""  # "" default bridge | bridge | host | none | container:NAME
    mounts: list[Mount] = field(default_factory=list)
    volumes_from: list[tuple[str, str]] = field(default_factory=list)  # (container, "ro"|"rw")
    workdir: str = ""
    user: str = ""
    group_add: list[str] = field(default_factory=list)
    hostname: str = ""
    domainname: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    restart: str = ""  # no | always | unless-stopped | on-failure
    restart_max_retries: int | None = None
    healthcheck: Healthcheck | None = None
    no_healthcheck: bool = False
    # resources, in Docker's own units
    nano_cpus: int | None = None  # --cpus x 1e9
    cpu_shares: int | None = None
    cpu_quota: int | None = None
    cpu_period: int | None = None
    memory: int | None = None  # bytes
    memory_reservation: int | None = None  # bytes
    memory_swap: int | None = None  # bytes, -1 unlimited: not carried, kept for Docker's own checks
    gpus: str = ""
    shm_size: int | None = None  # bytes
    # security
    privileged: bool = False
    cap_add: list[str] = field(default_factory=list)
    cap_drop: list[str] = field(default_factory=list)
    read_only: bool = False
    security_opts: list[str] = field(default_factory=list)
    sysctls: dict[str, str] = field(default_factory=dict)
    # name resolution and namespaces
    add_hosts: list[tuple[str, str]] = field(default_factory=list)  # (hostname, ip)
    dns: list[str] = field(default_factory=list)
    dns_search: list[str] = field(default_factory=list)
    dns_options: list[str] = field(default_factory=list)
    pid_mode: str = ""
    ipc_mode: str = ""
    uts_mode: str = ""
    # lifecycle and terminal
    stop_timeout: int | None = None
    stop_signal: str = ""
    init: bool = False
    tty: bool = False
    stdin_open: bool = False
    detach: bool = False  # -d: irrelevant to Kubernetes, kept for Docker's own conflict checks
    attach: list[str] = field(default_factory=list)
    auto_remove: bool = False  # --rm
    # image handling
    pull: str = ""  # always | missing | never
    platform: str = ""
    runtime: str = ""
    # what became of each flag, in input order
    flags: list[FlagUse] = field(default_factory=list)
    # facts learned from the engine rather than from the command (from-running)
    learned: list[str] = field(default_factory=list)
    # True when the image's own config was read (from-running): the catalog is not consulted
    image_inspected: bool = False
    replicas: int = 1
    # start order (Compose depends_on, or the engine's record of it)
    depends_on: list[Dependency] = field(default_factory=list)


def _refuse(self: object, *_args: object, **_kwargs: object) -> None:
    raise TypeError("a sealed Container's empty collections are shared: assign a new one instead of changing it")


class _SharedEmptyList(list):  # type: ignore[type-arg]
    """The one empty list sealed Containers share: changing it in place would change every one, so it refuses."""

    __slots__ = ()
    append = extend = insert = remove = pop = clear = sort = reverse = _refuse  # type: ignore[assignment]
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse  # type: ignore[assignment]


class _SharedEmptyDict(dict):  # type: ignore[type-arg]
    """The one empty dict sealed Containers share (see _SharedEmptyList)."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = setdefault = update = pop = popitem = clear = _refuse  # type: ignore[assignment]


_EMPTY_LIST = _SharedEmptyList()
_EMPTY_DICT = _SharedEmptyDict()
_COLLECTION_FIELDS: list[str] = []


def seal(container: Container) -> None:
    """The parser is done with `container`: its empty lists and dicts become the shared read-only ones.

    A Container carries about 23 collections and most stay empty (1.6 KB each at 10,000 containers
    adds up to 16 MB); inference and emitters only read them, and one that does change a collection
    assigns a new one, so a sealed Container is never changed behind another's back."""
    if not _COLLECTION_FIELDS:
        _COLLECTION_FIELDS.extend(f.name for f in fields(Container) if f.default_factory in (list, dict))
    for name in _COLLECTION_FIELDS:
        value = getattr(container, name)
        if not value:
            setattr(container, name, _EMPTY_LIST if type(value) is list else _EMPTY_DICT)


@dataclass(frozen=True, slots=True)
class Network:
    """A user-defined network (`docker network create`, or seen on the engine)."""

    name: str
    driver: str = "bridge"
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class Volume:
    """A named volume declared with `docker volume create` (or seen on the engine)."""

    name: str
    driver: str = "local"
    origin: Origin | None = None
    options: tuple[tuple[str, str], ...] = ()  # driver options (--opt KEY=VALUE, Compose's driver_opts): type, o, device


@dataclass(frozen=True, slots=True)
class Edge:
    """`consumer` reaches `provider` by the host name `host`; `reason` says how we know."""

    consumer: str
    provider: str
    host: str
    reason: str  # link | network-alias | network | env | depends_on
    port: int | None = None  # the port the consumer names, when it does (env URLs)
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class ServicePort:
    port: int
    target_port: int
    protocol: str = "tcp"
    node_port: int | None = None


@dataclass(frozen=True, slots=True)
class ServicePlan:
    """One Kubernetes Service to emit: a name callers use, the container it selects, its ports."""

    name: str  # the Kubernetes Service name (already valid)
    container: str  # the container (workload) it selects
    type: str  # ClusterIP | NodePort | LoadBalancer
    ports: tuple[ServicePort, ...]
    reason: str  # why it exists, for the report
    also: tuple[str, ...] = ()  # more containers it selects: a --network-alias they share (Docker's DNS answers each)


@dataclass(frozen=True, slots=True)
class WorkloadPlan:
    """What one Pod becomes (Deployment, Job or bare Pod) and the restart behaviour it keeps."""

    kind: str  # Deployment | Job | Pod
    restart_policy: str  # Always | OnFailure | Never
    backoff_limit: int | None = None  # Job only: the retries Docker's on-failure:N allowed
    reason: str = ""  # why this kind, for the report and the JSON report


@dataclass(slots=True)
class Graph:
    """Containers plus everything inference decided about them."""

    containers: dict[str, Container] = field(default_factory=dict)
    networks: dict[str, Network] = field(default_factory=dict)
    volumes: dict[str, Volume] = field(default_factory=dict)
    files: dict[str, DataFile] = field(default_factory=dict)  # Compose secrets and configs, by "secret:NAME"
    edges: list[Edge] = field(default_factory=list)
    # container name -> pod (workload) name: containers that share a network namespace share a pod
    pods: dict[str, str] = field(default_factory=dict)
    # container name -> the ports others may reach it on (explicit, --expose, image catalog, --port)
    service_ports: dict[str, list[Port]] = field(default_factory=dict)
    services: list[ServicePlan] = field(default_factory=list)
    # container name -> Kubernetes workload name (DNS-1123)
    workload_names: dict[str, str] = field(default_factory=dict)
    # container name -> (Service, port) it must wait for before it starts (depends_on: service_healthy)
    waits: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    # container name -> mount targets over the image's files, which Docker copies into a new volume
    seeds: dict[str, list[str]] = field(default_factory=dict)
    # pod (root container) name -> the kind of workload it becomes (d2k.workloads.choose_workloads)
    workloads: dict[str, WorkloadPlan] = field(default_factory=dict)

    def seal(self) -> None:
        """The parsers are done: every Container's empty collections become the shared read-only ones (see seal)."""
        for container in self.containers.values():
            seal(container)
