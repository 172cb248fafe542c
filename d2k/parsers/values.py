"""`docker run` flag values, read exactly as the Docker CLI 28 reads them.

Every function takes one flag value (the text after the flag) and returns it typed, or raises
ValueError with a short, Docker-like message saying what is wrong and what is accepted. The caller
(the flag table) prefixes FILE:LINE. Messages never quote an env or label VALUE (it may be a
password); naming the key is fine.

Where the CLI accepts a value that the engine then refuses at `docker create` (e.g. `--restart
always:3`, `-v D:\\data:/data`, a bad volume name), we refuse it too: d2k should not convert a
command that Docker would not run. A few values the CLI and engine accept but that can mean
nothing in Kubernetes are also refused; each such place says so in its docstring.
"""

from __future__ import annotations

import ipaddress
from typing import TypedDict

from d2k.model import Mount, Port
from d2k.patterns import lazy
from d2k.records import dataclass, field

# ---------------------------------------------------------------------------------------------
# Scalars: pflag / Go strconv semantics
# ---------------------------------------------------------------------------------------------

_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def _invalid(value: str, flag: str, why: str) -> ValueError:
    """pflag's wording for a value its type rejects."""
    return ValueError(f'invalid argument "{value}" for "{flag}" flag: {why}')


def parse_bool(value: str, flag: str = "") -> bool:
    """Go strconv.ParseBool: the only spellings `--rm=...` and friends accept."""
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    why = f'strconv.ParseBool: parsing "{value}": invalid syntax (use true or false)'
    if flag:
        raise _invalid(value, flag, why)
    raise ValueError(why)


_GO_INT_BODY = lazy(r"[+-]?[0-9A-Za-z_]+")


def _go_parse_int(value: str, base0: bool = True) -> int | None:
    """Go strconv.ParseInt(s, 0, ...) syntax (0x, 0o, 0b, leading-0 octal, `_` separators).

    With base0=False it is ParseInt(s, 10, ...): plain decimal only. Returns None on bad syntax.
    """
    if not _GO_INT_BODY.fullmatch(value):
        return None
    sign = 1
    body = value
    if body[0] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if not body:
        return None
    if not base0:
        if not body.isdigit():
            return None
        return sign * int(body)
    base = 10
    digits = body
    lower = body.lower()
    if lower.startswith(("0x", "0o", "0b")) and len(body) > 2:
        base = {"x": 16, "o": 8, "b": 2}[lower[1]]
        digits = body[2:].removeprefix("_")  # "0x_1f" is valid Go
    elif body.startswith("0") and len(body) > 1:
        base = 8
        digits = body[1:].removeprefix("_")
    if not digits or digits.startswith("_") or digits.endswith("_") or "__" in digits:
        return None
    if base == 10 and "_" in digits and not digits.replace("_", "").isdigit():
        return None
    try:
        return sign * int(digits, base)
    except ValueError:
        return None


def _check_int(value: str, flag: str, lo: int, hi: int, fn: str, base0: bool = True) -> int:
    parsed = _go_parse_int(value, base0)
    if parsed is None or (fn == "ParseUint" and value.startswith(("-", "+"))):
        raise _invalid(value, flag, f'strconv.{fn}: parsing "{value}": invalid syntax')
    if not lo <= parsed <= hi:
        raise _invalid(value, flag, f'strconv.{fn}: parsing "{value}": value out of range')
    return parsed


def parse_int(value: str, flag: str) -> int:
    """pflag int / int64 flags (`--cpu-shares`, `--stop-timeout`, ...): Go base-0 integer syntax.

    With `--cpu-quota` or `--cpu-period` the engine's range checks at create time apply too.
    """
    n = _check_int(value, flag, -(1 << 63), (1 << 63) - 1, "ParseInt")
    if flag == "--cpu-quota" and 0 < n < 1000:
        raise ValueError(f"invalid --cpu-quota {n}: CPU cfs quota can not be less than 1ms (i.e. 1000)")
    if flag == "--cpu-period" and n != 0 and not 1000 <= n <= 1_000_000:
        raise ValueError(
            f"invalid --cpu-period {n}: CPU cfs period can not be less than 1ms (i.e. 1000) "
            "or larger than 1s (i.e. 1000000)"
        )
    return n


def parse_uint16(value: str, flag: str) -> int:
    """pflag uint16 flags (`--blkio-weight`)."""
    return _check_int(value, flag, 0, 0xFFFF, "ParseUint")


def parse_uint64(value: str, flag: str) -> int:
    """pflag uint64 flags (`--io-maxiops`)."""
    return _check_int(value, flag, 0, (1 << 64) - 1, "ParseUint")


def parse_stop_timeout(value: str) -> int:
    """`--stop-timeout` is an int of seconds, not a duration: `10s` is rejected."""
    return parse_int(value, "--stop-timeout")


def parse_health_retries(value: str) -> int:
    """`--health-retries`: int, not negative (checked by the CLI)."""
    n = parse_int(value, "--health-retries")
    if n < 0:
        raise ValueError("--health-retries cannot be negative")
    return n


def parse_memory_swappiness(value: str) -> int:
    """`--memory-swappiness`: -1 (default) or 0..100."""
    n = parse_int(value, "--memory-swappiness")
    if n != -1 and not 0 <= n <= 100:
        raise ValueError(f"invalid value: {n}. Valid memory swappiness range is 0-100")
    return n


def parse_oom_score_adj(value: str) -> int:
    """`--oom-score-adj`: the engine accepts -1000..1000."""
    n = parse_int(value, "--oom-score-adj")
    if not -1000 <= n <= 1000:
        raise ValueError(f"invalid --oom-score-adj {n}: the valid range is [-1000, 1000]")
    return n


def parse_memory_swap(value: str) -> int:
    """`--memory-swap`: a size, or -1 for unlimited swap."""
    return parse_bytes(value, "--memory-swap", allow_minus_one=True)


parse_swappiness = parse_memory_swappiness


def parse_blkio_weight(value: str) -> int:
    """`--blkio-weight`: uint16, 0 (off) or 10..1000 (the engine's range)."""
    n = parse_uint16(value, "--blkio-weight")
    if n and not 10 <= n <= 1000:
        raise ValueError(f"invalid --blkio-weight {n}: range is from 10 to 1000 (0 = off)")
    return n


# ---------------------------------------------------------------------------------------------
# Sizes, durations, CPUs
# ---------------------------------------------------------------------------------------------

_GO_FLOAT = lazy(
    r"[+-]?(?:[0-9](?:_?[0-9])*\.?(?:[0-9](?:_?[0-9])*)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9]+)?"
)
_SIZE_NUM_CHARS = frozenset("01234567890. ")
_BINARY_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def _go_float(num: str) -> float | None:
    """Go strconv.ParseFloat for decimal text (hex floats and Inf/NaN are never reached here)."""
    if not _GO_FLOAT.fullmatch(num):
        return None
    try:
        result = float(num.replace("_", ""))
    except ValueError:
        return None
    return None if result in (float("inf"), float("-inf")) else result


def parse_bytes(value: str, flag: str = "--memory", allow_minus_one: bool = False) -> int:
    """docker/go-units RAMInBytes: `300M` = 314572800, `1.5g`, `1 KiB`; binary units only.

    `-1` is accepted only where the caller allows it (`--memory-swap`: unlimited).
    """
    if allow_minus_one and value == "-1":
        return -1
    sep = max((i for i, c in enumerate(value) if c in _SIZE_NUM_CHARS), default=-1)
    if sep == -1:
        raise _invalid(
            value, flag, f"invalid size: '{value}' (expected a number with an optional unit b, k, m, g, t, p)"
        )
    if value[sep] == " ":
        num, sfx = value[:sep], value[sep + 1 :]
    else:
        num, sfx = value[: sep + 1], value[sep + 1 :]
    size = _go_float(num)
    if size is None:
        raise _invalid(value, flag, f'strconv.ParseFloat: parsing "{num}": invalid syntax')
    if size < 0:
        raise _invalid(value, flag, f"invalid size: '{value}' (sizes cannot be negative)")
    if not sfx:
        return int(size)
    low = sfx.lower()
    bad = ValueError(f"invalid suffix: '{low}' (use b, k, m, g, t or p, optionally followed by b or ib)")
    if len(low) > 3:
        raise _invalid(value, flag, str(bad))
    if low[0] == "b":
        if len(low) > 1:
            raise _invalid(value, flag, str(bad))
        return int(size)
    mul = _BINARY_UNITS.get(low[0])
    if mul is None or (len(low) == 2 and low[1] != "b") or (len(low) == 3 and low[1:] != "ib"):
        raise _invalid(value, flag, str(bad))
    return int(size * mul)


_DURATION_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_DURATION_PART = lazy(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")
_MAX_DURATION_NS = (1 << 63) - 1
_MIN_HEALTH_NS = 1_000_000  # the engine's MinimumDuration (1ms)


def parse_duration_ns(value: str, flag: str = "") -> int:
    """Go time.ParseDuration, in integer nanoseconds (Docker stores durations as such)."""

    def bad(why: str) -> ValueError:
        msg = f'time: {why} "{value}"'
        if flag:
            return _invalid(value, flag, msg + " (use e.g. 30s, 1m30s, 1.5h, 300ms)")
        return ValueError(msg + " (use e.g. 30s, 1m30s, 1.5h, 300ms)")

    s = value
    neg = False
    if s and s[0] in "+-":
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        raise bad("invalid duration")
    total = 0
    pos = 0
    while pos < len(s):
        m = _DURATION_PART.match(s, pos)
        assert m is not None  # the pattern matches the empty string
        whole, frac, unit = m.group(1), m.group(2), m.group(3)
        if not whole and not frac:
            raise bad("invalid duration")
        if not unit:
            raise bad("missing unit in duration")
        scale = _DURATION_UNITS.get(unit)
        if scale is None:
            why = f'time: unknown unit "{unit}" in duration "{value}" (units: ns us ms s m h)'
            raise _invalid(value, flag, why) if flag else ValueError(why)
        ns = int(whole or "0") * scale
        if frac:
            ns += int(frac) * scale // 10 ** len(frac)
        total += ns
        if total > _MAX_DURATION_NS:
            raise bad("invalid duration")
        pos = m.end()
    return -total if neg else total


def parse_duration(value: str, flag: str = "") -> float:
    """Go time.ParseDuration in seconds: `30s`, `1m30s`, `1.5h`, `300ms`, `0`.

    With a `--health-*` flag the CLI's and engine's extra rules apply (see parse_health_duration).
    """
    if flag.startswith("--health-"):
        return parse_health_duration(value, flag)
    return parse_duration_ns(value, flag) / 1e9


def parse_health_duration(value: str, flag: str) -> float:
    """`--health-interval|timeout|start-period|start-interval`: a duration, not negative, 0 or >= 1ms.

    The CLI refuses negatives; the engine refuses anything between 0 and 1ms.
    """
    ns = parse_duration_ns(value, flag)
    if ns < 0:
        raise ValueError(f"{flag} cannot be negative")
    if 0 < ns < _MIN_HEALTH_NS:
        raise ValueError(f"{flag} cannot be less than 1ms (0 means the default)")
    return ns / 1e9


_RAT_FRACTION = lazy(r"[+-]?[0-9]+/[0-9]+")
_RAT_DECIMAL = lazy(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_nano_cpus(value: str) -> int:
    """`--cpus`: a rational (`1.5`, `0.25`, `3/2`, `1e-3`) times 1e9, exact; else `value is too precise`.

    The CLI also takes Go integer prefixes (`0x10`) inside big.Rat syntax; we do not. Negative
    values pass the CLI but the engine refuses them; so do we.
    """
    from fractions import Fraction  # with decimal, ~1.5 ms of start-up a run without --cpus need not pay

    flag = "--cpus"
    if not (_RAT_FRACTION.fullmatch(value) or _RAT_DECIMAL.fullmatch(value)):
        raise _invalid(value, flag, f"failed to parse {value} as a rational number (use e.g. 1.5 or 0.25)")
    try:
        cpus = Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise _invalid(
            value, flag, f"failed to parse {value} as a rational number (use e.g. 1.5 or 0.25)"
        ) from None
    nano = cpus * 1_000_000_000
    if nano.denominator != 1:
        raise _invalid(value, flag, "value is too precise (at most 9 decimals)")
    if nano < 0:
        raise ValueError(f"invalid --cpus {value}: the number of CPUs cannot be negative")
    if nano >= 1 << 63:
        raise _invalid(value, flag, "value out of range")
    return int(nano)


# ---------------------------------------------------------------------------------------------
# IP addresses (Go net.ParseIP)
# ---------------------------------------------------------------------------------------------


def _go_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Go net.ParseIP: plain IPv4 or IPv6, no zone, no brackets, no prefix."""
    if not text or "%" in text or "/" in text or text.strip() != text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _go_ip_string(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Go's IP.String(): IPv4-mapped IPv6 prints as dotted IPv4."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def parse_ip(value: str, flag: str = "--dns") -> str:
    """An IP address in Go's canonical form. `--ip` must be IPv4, `--ip6` IPv6; others either.

    `--dns` is validated by the CLI (surrounding spaces trimmed); `--ip`/`--ip6`/`--link-local-ip`
    by the engine.
    """
    text = value.strip(" \t\n\r\v\f") if flag == "--dns" else value
    ip = _go_ip(text)
    if ip is None:
        raise _invalid(value, flag, f"IP address is not correctly formatted: {value}")
    is_v4 = isinstance(ip, ipaddress.IPv4Address) or (
        isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None
    )
    if flag == "--ip" and not is_v4:
        raise ValueError(f"invalid IPv4 address: {value} (--ip takes an IPv4 address; use --ip6 for IPv6)")
    if flag == "--ip6" and is_v4:
        raise ValueError(f"invalid IPv6 address: {value} (--ip6 takes an IPv6 address; use --ip for IPv4)")
    return _go_ip_string(ip)


# ---------------------------------------------------------------------------------------------
# Ports
# ---------------------------------------------------------------------------------------------

_PROTOCOLS = ("tcp", "udp", "sctp")


def _split_proto_port(raw: str) -> tuple[str, str]:
    """go-connections nat.SplitProtoPort: `80/udp` -> (udp, 80); no proto -> tcp."""
    parts = raw.split("/")
    if not raw or not parts[0]:
        return "", ""
    if len(parts) == 1 or not parts[1]:
        return "tcp", parts[0]
    return parts[1], parts[0]


def _parse_uint16_port(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError(f'strconv.ParseUint: parsing "{text}": invalid syntax')
    n = int(text)
    if n > 0xFFFF:
        raise ValueError(f'strconv.ParseUint: parsing "{text}": value out of range')
    return n


def _parse_port_range(ports: str) -> tuple[int, int]:
    """go-connections nat.ParsePortRange: `80` or `8000-8010` (end >= start), each 0..65535."""
    if not ports:
        raise ValueError("empty string specified for ports")
    if "-" not in ports:
        n = _parse_uint16_port(ports)
        return n, n
    parts = ports.split("-")
    start = _parse_uint16_port(parts[0])
    end = _parse_uint16_port(parts[1])
    if end < start:
        raise ValueError(f"invalid range specified for port: {ports}")
    return start, end


def _split_publish(raw: str) -> tuple[str, str, str]:
    """nat splitParts: the last `:` part is the container port, the one before the host port."""
    parts = raw.split(":")
    n = len(parts)
    if n == 1:
        return "", "", parts[0]
    if n == 2:
        return "", parts[0], parts[1]
    return ":".join(parts[: n - 2]), parts[n - 2], parts[n - 1]


def _publish_to_standard(value: str) -> str:
    """The CLI's convertToStandardNotation: `published=8080,target=80,protocol=udp` -> `8080:80/udp`.

    Other keys (mode=host, ...) are accepted and ignored, as the CLI does.
    """
    params = {"protocol": "tcp"}
    for param in value.split(","):
        key, sep, val = param.partition("=")
        if not sep or not key:
            raise ValueError(f"invalid publish opts format (should be name=value but got '{param}')")
        params[key] = val
    return f"{params.get('published', '')}:{params.get('target', '')}/{params['protocol']}"


def parse_publish(value: str) -> list[Port]:
    """`-p`: `[IP:][HOST[-END]:]CONTAINER[-END][/PROTO]` or `published=,target=,protocol=`.

    Ranges of equal length expand pairwise. A host range with a single container port is Docker's
    dynamic range: one Port whose host_port is the range start (the port a fresh engine picks).
    Host port 0 means a random port (host_port None). Container port 0 passes the CLI but means
    nothing; it is refused.
    """
    spec = _publish_to_standard(value) if "=" in value else value
    ip, host, container = _split_publish(spec)
    proto, container = _split_proto_port(container)
    if ip.startswith("["):
        if not ip.endswith("]") or "[" in ip[1:] or "]" in ip[:-1]:
            raise ValueError(f"invalid IP address {ip}: expected [IPv6] in brackets")
        ip = ip[1:-1]
    host_ip = ip
    if ip:
        parsed_ip = _go_ip(ip)
        if parsed_ip is None:
            raise ValueError(f"invalid IP address: {ip} (expected [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO])")
        host_ip = _go_ip_string(parsed_ip)
    if not container:
        raise ValueError(
            f"no port specified: {spec}<empty> (expected [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO])"
        )
    try:
        start, end = _parse_port_range(container)
    except ValueError:
        raise ValueError(
            f"invalid containerPort: {container} (expected PORT or START-END, 1-65535)"
        ) from None
    hstart = hend = 0
    if host:
        try:
            hstart, hend = _parse_port_range(host)
        except ValueError:
            raise ValueError(f"invalid hostPort: {host} (expected PORT or START-END, 0-65535)") from None
        if end - start != hend - hstart and end != start:
            raise ValueError(
                f"invalid ranges specified for container and host Ports: {container} and {host} "
                "(ranges must have the same length, or the container side must be one port)"
            )
    if proto.lower() not in _PROTOCOLS:
        raise ValueError(f"invalid proto: {proto} (use tcp, udp or sctp)")
    if start == 0:
        raise ValueError("invalid containerPort: 0 (ports are 1-65535)")
    protocol = proto.lower()
    ports: list[Port] = []
    for i in range(end - start + 1):
        host_port: int | None = None
        if host:
            host_port = hstart + i
        ports.append(Port(start + i, protocol, published=True, host_port=host_port or None, host_ip=host_ip))
    return ports


def parse_expose(value: str) -> list[Port]:
    """`--expose PORT[-END][/PROTO]`: container ports only, ranges expand; `:` is an error.

    The CLI does not check the protocol nor port 0; Kubernetes cannot use either, so we refuse them.
    """
    if ":" in value:
        raise ValueError(
            f"invalid port format for --expose: {value} (expected PORT[-END][/PROTO], no host part)"
        )
    proto, port = _split_proto_port(value)
    try:
        start, end = _parse_port_range(port)
    except ValueError as exc:
        raise ValueError(f"invalid range format for --expose: {value}, error: {exc}") from None
    if proto.lower() not in _PROTOCOLS:
        raise ValueError(f"invalid proto: {proto} (use tcp, udp or sctp)")
    if start == 0:
        raise ValueError("invalid port for --expose: 0 (ports are 1-65535)")
    return [Port(p, proto.lower()) for p in range(start, end + 1)]


# ---------------------------------------------------------------------------------------------
# Environment, labels and key=value maps
# ---------------------------------------------------------------------------------------------

_KV_WHITESPACE = " \t"
_UNDECODED = lazy("[\udc80-\udcff]")  # bytes a surrogateescape decode could not read
# Go unicode.IsSpace: what the env/label file reader trims from the start of a line
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def parse_env(value: str) -> tuple[str, str | None]:
    """`-e`: `K=V`, `K=` (empty) or bare `K` (None: the CLI copies it from its own environment).

    Docker keeps the name as written (no trimming, spaces allowed); only an empty name is refused.
    """
    name, sep, val = value.partition("=")
    if not name:
        raise ValueError(
            "invalid environment variable: the name before '=' is empty (expected KEY=VALUE, KEY= or KEY)"
        )
    return name, (val if sep else None)


def _parse_kv_file(text: str, path: str, kind: str) -> list[tuple[int, str, str | None]]:
    """docker/cli kvfile: `#` comments and blank lines skipped, leading whitespace trimmed,
    no quote processing, names without spaces or tabs."""
    out: list[tuple[int, str, str | None]] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, raw in enumerate(lines, start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if number == 1:
            line = line.removeprefix("\ufeff")
        if _UNDECODED.search(line):
            raise ValueError(f"invalid {kind} file ({path}): invalid utf8 bytes at line {number}")
        line = line.lstrip(_GO_SPACE)
        if not line or line[0] == "#":
            continue
        name, sep, val = line.partition("=")
        if not name:
            raise ValueError(
                f"invalid {kind} file ({path}): no variable name on line {number} (expected KEY=VALUE)"
            )
        if any(c in _KV_WHITESPACE for c in name):
            raise ValueError(
                f"invalid {kind} file ({path}): variable '{name}' contains whitespaces on line {number}"
            )
        out.append((number, name, val if sep else None))
    return out


def parse_env_file(text: str, path: str) -> list[tuple[int, str, str | None]]:
    """`--env-file`: (line number, name, value); a bare `K` line gives None.

    Docker takes a bare K from the CLI's environment and drops the line when K is unset there.
    Undecodable bytes (passed in as surrogateescape) are refused like Docker's `invalid utf8`.
    """
    return _parse_kv_file(text, path, "env")


def parse_label(value: str) -> tuple[str, str]:
    """`-l`: `K=V` or `K` (empty value); name non-empty and without spaces/tabs.

    Docker ignores leading whitespace when checking the name but stores the key as written.
    """
    name, _, val = value.partition("=")
    checked = name.lstrip(_KV_WHITESPACE)
    if not checked:
        raise ValueError("invalid label: empty name (expected KEY=VALUE or KEY)")
    if any(c in _KV_WHITESPACE for c in checked):
        raise ValueError(f"label '{checked}' contains whitespaces")
    return name, val


def parse_label_file(text: str, path: str) -> list[tuple[int, str, str]]:
    """`--label-file`: (line number, key, value). Same file rules as --env-file, but Docker drops
    a bare `K` line (no environment lookup for labels), so we do too."""
    return [(n, k, v) for n, k, v in _parse_kv_file(text, path, "label") if v is not None]


def parse_log_opt(value: str) -> tuple[str, str]:
    """`--log-opt K=V`: the CLI maps a bare K to an empty value; an empty key means nothing."""
    key, _, val = value.partition("=")
    if not key:
        raise ValueError("invalid log option: empty key (expected KEY=VALUE, e.g. max-size=10m)")
    return key, val


def parse_storage_opt(value: str) -> tuple[str, str]:
    """`--storage-opt K=V`: the CLI requires the `=` (`invalid storage option`)."""
    key, sep, val = value.partition("=")
    if not sep:
        raise ValueError("invalid storage option (expected KEY=VALUE, e.g. size=120G)")
    return key, val


def parse_annotation(value: str) -> tuple[str, str]:
    """`--annotation K=V`: a map flag; a bare K has an empty value, as in Docker."""
    key, _, val = value.partition("=")
    return key, val


_SYSCTL_NAMES = frozenset(
    {
        "kernel.msgmax",
        "kernel.msgmnb",
        "kernel.msgmni",
        "kernel.sem",
        "kernel.shmall",
        "kernel.shmmax",
        "kernel.shmmni",
        "kernel.shm_rmid_forced",
    }
)


def parse_sysctl(value: str) -> tuple[str, str]:
    """`--sysctl K=V`: the CLI accepts only namespaced sysctls (IPC kernel.*, fs.mqueue.*, net.*)."""
    key, sep, val = value.partition("=")
    if sep and key and (key in _SYSCTL_NAMES or key.startswith(("net.", "fs.mqueue."))):
        return key, val
    raise ValueError(
        f"sysctl '{value}' is not allowed (only KEY=VALUE with net.*, fs.mqueue.* or "
        "kernel.msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)"
    )


# ---------------------------------------------------------------------------------------------
# Links, names, hosts, DNS
# ---------------------------------------------------------------------------------------------


def parse_link(value: str) -> tuple[str, str]:
    """`--link NAME[:ALIAS]` -> (target, alias); alias defaults to the name, a leading `/` goes.

    The `/name:/c1/alias` form (as inspect shows links) keeps the last path element as alias.
    """
    if not value:
        raise ValueError("empty string specified for links (expected NAME[:ALIAS])")
    parts = value.split(":")
    if len(parts) > 2:
        raise ValueError(f"bad format for links: {value} (expected NAME[:ALIAS])")
    target = parts[0]
    alias = parts[1] if len(parts) == 2 else target
    if target.startswith("/"):
        target = target[1:]
        alias = alias.rsplit("/", 1)[-1]
    if len(parts) == 1:
        alias = target
    if not target or not alias:
        raise ValueError(f"bad format for links: {value} (expected NAME[:ALIAS])")
    return target, alias


_CONTAINER_NAME = lazy(r"/?[a-zA-Z0-9][a-zA-Z0-9_.-]+")


def parse_container_name(value: str) -> str:
    """`--name`: `[a-zA-Z0-9][a-zA-Z0-9_.-]+` (the engine's rule; a leading `/` is dropped)."""
    if not _CONTAINER_NAME.fullmatch(value):
        raise ValueError(
            f"Invalid container name ({value}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed "
            "(at least 2 characters, starting with a letter or digit)"
        )
    return value.removeprefix("/")


def parse_add_host(value: str) -> tuple[str, str]:
    """`--add-host HOST:IP` or `HOST=IP` -> (host, ip); IP may be `[IPv6]` or `host-gateway`.

    The IP is kept as written (Docker does not canonicalise it), minus the brackets.
    """
    host, sep, ip = value.partition("=")
    if not sep:
        host, sep, ip = value.partition(":")
    if not sep or not host or ":" in host:
        raise ValueError(f'bad format for add-host: "{value}" (expected HOST:IP or HOST=IP)')
    if ip == "host-gateway":
        return host, ip
    if len(ip) > 2 and ip[0] == "[" and ip[-1] == "]":
        ip = ip[1:-1]
    if _go_ip(ip.strip(" \t\n\r\v\f")) is None:
        raise ValueError(
            f'invalid IP address in add-host: "{ip}" (expected an IPv4/IPv6 address or host-gateway)'
        )
    return host, ip


_ALPHA = lazy(r"[a-zA-Z]")
# docker/cli opts.domainRegexp, including its `:?` typos (they allow a stray colon)
_DOMAIN = lazy(
    r"^(:?(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9]))"
    r"(:?\.(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])))*)\.?[\t\n\f\r ]*\Z"
)


def parse_dns_search(value: str) -> str:
    """`--dns-search`: a domain name (trailing dot dropped) or `.` (no search domains)."""
    val = value.strip(" ")
    if val == ".":
        return val
    m = _DOMAIN.match(val) if _ALPHA.search(val) else None
    if m is None or len(m.group(1)) >= 255:
        raise _invalid(value, "--dns-search", f"{val} is not a valid domain")
    return m.group(1)


def parse_dns_option(value: str) -> tuple[str, str | None]:
    """`--dns-option ndots:2` -> ("ndots", "2"); `edns0` -> ("edns0", None). The CLI checks nothing."""
    if not value.strip():
        raise ValueError("empty --dns-option (expected OPTION or OPTION:VALUE, e.g. ndots:2)")
    name, sep, val = value.partition(":")
    return name, (val if sep else None)


def parse_dns_option_text(value: str) -> str:
    """`--dns-option` checked by parse_dns_option, kept as written (Container.dns_options is text)."""
    parse_dns_option(value)
    return value


def parse_user(value: str) -> tuple[str, str]:
    """`-u NAME|UID[:GROUP|GID]` -> (user, group or ""). Resolved by the engine at start, not here."""
    user, _, group = value.partition(":")
    return user, group


# ---------------------------------------------------------------------------------------------
# Volumes, mounts, tmpfs
# ---------------------------------------------------------------------------------------------

_VOLUME_NAME = lazy(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
_RW_MODES = frozenset({"ro", "rw"})
_LABEL_MODES = frozenset({"z", "Z"})
_PROPAGATIONS = frozenset({"private", "rprivate", "shared", "rshared", "slave", "rslave"})
_CONSISTENCY = frozenset({"consistent", "cached", "delegated"})


def _check_target(target: str, kind: str) -> None:
    if not target.startswith("/"):
        raise ValueError(
            f"invalid mount config for type \"{kind}\": invalid mount path: '{target}' mount path must be absolute"
        )
    if _clean_is_root(target):
        raise ValueError("invalid specification: destination can't be '/'")


def _clean_is_root(target: str) -> bool:
    """path.Clean(target) == "/" (handles `/.`, `/a/..`)."""
    stack: list[str] = []
    for part in target.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if stack:
                stack.pop()
        else:
            stack.append(part)
    return not stack


def _check_volume_name(name: str) -> None:
    """The local volume driver's naming rule (2+ characters)."""
    if len(name) == 1:
        raise ValueError(
            f'volume name "{name}" is too short, names should be at least two alphanumeric characters'
        )
    if not _VOLUME_NAME.fullmatch(name):
        raise ValueError(
            f'"{name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" '
            "are allowed. If you intended to pass a host directory, use absolute path"
        )


def _is_bind_source(source: str) -> bool:
    """What `-v` treats as a host path: `/abs`, `./rel`, `../rel`, `~/x` (the shell's job)."""
    return source[:1] in ("/", ".", "~")


def parse_volume(value: str, volume_driver: str = "") -> Mount:
    """`-v [SOURCE:]TARGET[:OPTS]` -> Mount (bind, named volume, or anonymous volume with source "").

    Sources: `/abs`, `./rel`, `../rel` and `~/...` are binds kept as written (the CLI makes `.`
    paths absolute; `~` is the shell's); other sources are volume names (checked against the local
    driver's rule unless `volume_driver` names another driver). OPTS: ro|rw, z|Z, nocopy,
    [r]private|[r]shared|[r]slave, consistent|cached|delegated, at most one of each kind;
    nocopy only on a named volume, a propagation only on a bind (the engine refuses the others).
    Windows drive paths (`D:\\data:/data`) fail as on a Linux engine.
    """
    if not value:
        raise ValueError("invalid empty volume spec (expected [SOURCE:]TARGET[:OPTIONS])")
    if "::" in value or value.startswith(":") or value.endswith(":"):
        raise ValueError(f"invalid spec: {value}: empty section between colons")
    if value.count(":") > 2:
        raise ValueError(f"invalid volume specification: '{value}' (expected [SOURCE:]TARGET[:OPTIONS])")
    parts = value.split(":")
    source, mode = "", ""
    if len(parts) == 1:
        target = parts[0]
    elif len(parts) == 2:
        if _valid_mode(parts[1]):
            raise ValueError(
                f"invalid volume specification: '{value}' (a mode needs a source: SOURCE:TARGET:{parts[1]})"
            )
        source, target = parts
    else:
        source, target, mode = parts
    if not _valid_mode(mode):
        raise ValueError(
            f"invalid mode: {mode} (use a comma list of ro|rw, z|Z, nocopy, [r]private|[r]shared|[r]slave, "
            "consistent|cached|delegated)"
        )
    kind = "bind" if source and _is_bind_source(source) else "volume"
    _check_target(target, kind)
    if kind == "volume" and source and not volume_driver:
        _check_volume_name(source)
    read_only = False
    propagation = ""
    options: list[str] = []
    for opt in mode.split(",") if mode else ():
        if opt in _RW_MODES:
            read_only = opt == "ro"
        elif opt in _PROPAGATIONS:
            propagation = opt
        else:
            options.append(opt)
    # The engine turns the spec into a mount of one type and refuses the other type's settings.
    if kind == "bind" and "nocopy" in options:
        raise ValueError(
            f"invalid volume specification: '{value}': invalid mount config for type \"bind\": field "
            "VolumeOptions must not be specified (nocopy is for named volumes)"
        )
    if kind == "volume" and propagation:
        raise ValueError(
            f"invalid volume specification: '{value}': invalid mount config for type \"volume\": field "
            f"BindOptions must not be specified ({propagation} is for bind mounts)"
        )
    return Mount(kind, target, source, read_only, propagation, options=tuple(options))


def _valid_mode(mode: str) -> bool:
    """The Linux engine's mode check: known words, at most one of each kind."""
    if not mode:
        return True
    counts = [0, 0, 0, 0, 0]
    for opt in mode.split(","):
        if opt in _RW_MODES:
            counts[0] += 1
        elif opt in _LABEL_MODES:
            counts[1] += 1
        elif opt in _PROPAGATIONS:
            counts[2] += 1
        elif opt == "nocopy":
            counts[3] += 1
        elif opt in _CONSISTENCY:
            counts[4] += 1
        else:
            return False
    return max(counts) <= 1


def split_csv(value: str) -> list[str]:
    """One line of Go encoding/csv (what the CLI uses for --mount and --gpus): `"a,b"` quoting,
    `""` for a quote, a bare `"` inside an unquoted field is an error."""
    if value == "":
        raise ValueError("EOF (empty value)")
    fields: list[str] = []
    i, n = 0, len(value)
    while True:
        if i < n and value[i] == '"':
            buf: list[str] = []
            i += 1
            while True:
                j = value.find('"', i)
                if j == -1:
                    raise ValueError(
                        f'parse error on line 1, column {n + 1}: extraneous or missing " in quoted-field'
                    )
                buf.append(value[i:j])
                i = j + 1
                if i < n and value[i] == '"':
                    buf.append('"')
                    i += 1
                    continue
                if i < n and value[i] != ",":
                    raise ValueError(
                        f'parse error on line 1, column {i + 1}: extraneous or missing " in quoted-field'
                    )
                break
            fields.append("".join(buf))
        else:
            j = value.find(",", i)
            end = n if j == -1 else j
            chunk = value[i:end]
            if '"' in chunk:
                col = i + chunk.index('"') + 1
                raise ValueError(f'parse error on line 1, column {col}: bare " in non-quoted-field')
            fields.append(chunk)
            i = end
        if i >= n:
            return fields
        i += 1  # the comma
        if i == n:
            fields.append("")
            return fields


_MOUNT_TYPES = frozenset({"bind", "volume", "tmpfs", "image", "npipe", "cluster"})
_BIND_RECURSIVE = frozenset({"enabled", "disabled", "writable", "readonly"})
_OCTAL = lazy(r"[0-7]+")


def parse_mount(value: str) -> Mount:
    """`--mount type=...,source=...,target=...`: the CLI's MountOpt plus the engine's checks.

    Keys are case-insensitive; CSV quoting applies. Mount fields take type, source, target,
    readonly, bind-propagation, volume-subpath/image-subpath (subpath) and tmpfs-size
    (size_limit); every other setting is kept in `options` as `key=value`.
    """
    try:
        fields = split_csv(value)
    except ValueError as exc:
        raise ValueError(f"{exc} (expected type=...,source=...,target=...)") from None
    kind = "volume"
    source = target = propagation = subpath = ""
    read_only = False
    size: int | None = None
    options: list[str] = []
    groups: set[str] = set()  # which option families were used: bind, volume, image, tmpfs

    def bad_value(key: str, val: str, accepted: str) -> ValueError:
        return ValueError(f"invalid value for {key}: {val} ({accepted})")

    for fld in fields:
        key, sep, val = fld.partition("=")
        key = key.lower()
        if not sep:
            if key in ("readonly", "ro"):
                read_only = True
            elif key == "volume-nocopy":
                groups.add("volume")
                options.append("volume-nocopy=true")
            elif key == "bind-nonrecursive":
                groups.add("bind")
                options.append("bind-nonrecursive=true")
            else:
                raise ValueError(f"invalid field '{fld}' must be a key=value pair")
            continue
        if key == "type":
            kind = val.lower()
        elif key in ("source", "src"):
            source = val
        elif key in ("target", "dst", "destination"):
            target = val
        elif key in ("readonly", "ro"):
            read_only = _mount_bool(key, val)
        elif key == "consistency":
            options.append(f"consistency={val.lower()}")
        elif key == "bind-propagation":
            groups.add("bind")
            propagation = val.lower()
        elif key == "bind-nonrecursive":
            groups.add("bind")
            options.append(f"bind-nonrecursive={str(_mount_bool(key, val)).lower()}")
        elif key == "bind-recursive":
            groups.add("bind")
            if val not in _BIND_RECURSIVE:
                raise bad_value(key, val, 'must be "enabled", "disabled", "writable", or "readonly"')
            options.append(f"bind-recursive={val}")
        elif key == "volume-subpath":
            groups.add("volume")
            subpath = val
        elif key == "volume-nocopy":
            groups.add("volume")
            options.append(f"volume-nocopy={str(_mount_bool(key, val)).lower()}")
        elif key in ("volume-label", "volume-driver", "volume-opt"):
            groups.add("volume")
            options.append(f"{key}={val}")
        elif key == "image-subpath":
            groups.add("image")
            subpath = val
        elif key == "tmpfs-size":
            groups.add("tmpfs")
            try:
                size = parse_bytes(val, "tmpfs-size")
            except ValueError:
                raise bad_value(key, val, "a size like 64m or 1g") from None
        elif key == "tmpfs-mode":
            groups.add("tmpfs")
            if not _OCTAL.fullmatch(val) or int(val, 8) > 0xFFFFFFFF:
                raise bad_value(key, val, "an octal file mode like 1777")
            options.append(f"tmpfs-mode={val}")
        else:
            raise ValueError(
                f"unexpected key '{key}' in '{fld}' (known: type, source, target, readonly, bind-*, volume-*, "
                "image-subpath, tmpfs-size, tmpfs-mode, consistency)"
            )
    if not kind:
        raise ValueError("type is required")
    if not target:
        raise ValueError("target is required (target=/path/in/container)")
    for group in sorted(groups):
        if group != kind:
            raise ValueError(f"cannot mix '{group}-*' options with mount type '{kind}'")
    if "bind-recursive=writable" in options and not read_only:
        raise ValueError(
            "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction"
        )
    if "bind-recursive=readonly" in options:
        if not read_only:
            raise ValueError(
                "option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction"
            )
        if propagation != "rprivate":
            raise ValueError(
                "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction"
            )
    _check_mount_engine(kind, source, target, propagation, options)
    return Mount(kind, target, source, read_only, propagation, subpath, size, tuple(options))


def _mount_bool(key: str, val: str) -> bool:
    try:
        return parse_bool(val)
    except ValueError:
        raise ValueError(f"invalid value for {key}: {val} (use true or false)") from None


def _check_mount_engine(kind: str, source: str, target: str, propagation: str, options: list[str]) -> None:
    """What the engine checks at create time for --mount."""
    if kind not in _MOUNT_TYPES:
        raise ValueError(
            f'invalid mount config for type "{kind}": mount type unknown (use bind, volume, tmpfs, image, npipe or cluster)'
        )
    if kind in ("bind", "volume", "tmpfs", "image"):
        _check_target(target, kind)
    if propagation and propagation not in _PROPAGATIONS:
        raise ValueError(
            f'invalid mount config for type "bind": invalid propagation mode: {propagation} '
            "(use private, rprivate, shared, rshared, slave or rslave)"
        )
    consistency = next((o.split("=", 1)[1] for o in options if o.startswith("consistency=")), "")
    if consistency and consistency not in _CONSISTENCY | {"default"}:
        raise ValueError(f"invalid consistency: {consistency} (use consistent, cached, delegated or default)")
    if kind == "bind":
        if not source:
            raise ValueError('invalid mount config for type "bind": field Source must not be empty')
        if not (source.startswith("/") or source == "." or source.startswith("./")):
            raise ValueError(
                f"invalid mount config for type \"bind\": invalid mount path: '{source}' mount path must be absolute "
                "(--mount does not expand ~ and makes only ./ paths absolute)"
            )
    elif kind == "tmpfs" and source:
        raise ValueError('invalid mount config for type "tmpfs": field Source must not be specified')
    elif kind == "image" and not source:
        raise ValueError('invalid mount config for type "image": field Source must not be empty')
    elif kind == "volume" and source and not any(o.startswith("volume-driver=") for o in options):
        _check_volume_name(source)


_TMPFS_FLAGS = frozenset(
    {
        "defaults", "ro", "rw", "suid", "nosuid", "dev", "nodev", "exec", "noexec", "sync", "async",
        "dirsync", "remount", "mand", "nomand", "atime", "noatime", "diratime", "nodiratime", "bind",
        "rbind", "unbindable", "runbindable", "private", "rprivate", "shared", "rshared", "slave",
        "rslave", "relatime", "norelatime", "strictatime", "nostrictatime", "iversion", "noiversion",
        "lazytime", "nolazytime", "mode", "size", "uid", "gid", "nr_inodes", "nr_blocks", "mpol",
        "tmpcopyup",
    }
)  # fmt: skip
_TMPFS_SIZE = lazy(r"([0-9]+)([kKmMgGtTpPeE]?)")
_KERNEL_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50, "e": 1 << 60}


def parse_tmpfs(value: str) -> Mount:
    """`--tmpfs PATH[:OPTIONS]` -> tmpfs Mount; `size=` (kernel units k/m/g, binary) -> size_limit.

    OPTIONS are kept in `options` as written; `ro` sets read_only; `size=N%` leaves size_limit None.
    """
    target, _, opts = value.partition(":")
    _check_target(target, "tmpfs")
    read_only = False
    size: int | None = None
    options: list[str] = []
    for opt in opts.split(",") if opts else ():
        if not opt:
            continue
        name, sep, val = opt.partition("=")
        if name not in _TMPFS_FLAGS or (
            sep and name not in ("mode", "size", "uid", "gid", "nr_inodes", "nr_blocks", "mpol")
        ):
            raise ValueError(
                f"invalid tmpfs option {opt!r} (use mount flags like rw, ro, noexec, nosuid, nodev or "
                "size=, mode=, uid=, gid=, nr_inodes=)"
            )
        if name in ("ro", "rw"):
            read_only = name == "ro"
        if name == "size" and not val.endswith("%"):
            m = _TMPFS_SIZE.fullmatch(val)
            if m is None:
                raise ValueError(f"invalid tmpfs size {val!r} (use bytes or k/m/g units, e.g. size=64m)")
            size = int(m.group(1)) * _KERNEL_UNITS[m.group(2).lower()]
        if name == "mode" and not _OCTAL.fullmatch(val):
            raise ValueError(f"invalid tmpfs mode {val!r} (use an octal mode like 1777)")
        options.append(opt)
    return Mount("tmpfs", target, read_only=read_only, size_limit=size, options=tuple(options))


# ---------------------------------------------------------------------------------------------
# Policies and modes
# ---------------------------------------------------------------------------------------------

_RESTART_POLICIES = ("no", "always", "on-failure", "unless-stopped")


def parse_restart(value: str) -> tuple[str, int | None]:
    """`--restart no|always|unless-stopped|on-failure[:N]` -> (policy, N or None).

    `""` is no policy at all (engine default). A count is only valid with on-failure (0 = no limit).
    """
    if not value:
        return "", None
    name, sep, count_text = value.partition(":")
    if sep and not name:
        raise ValueError("invalid restart policy format: no policy provided before colon")
    count: int | None = None
    if count_text:
        parsed = _go_parse_int(count_text, base0=False)
        if parsed is None:
            raise ValueError("invalid restart policy format: maximum retry count must be an integer")
        count = parsed
    if name not in _RESTART_POLICIES:
        raise ValueError(
            f"invalid restart policy: unknown policy '{name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"
        )
    if name != "on-failure" and count:
        raise ValueError(
            f"invalid restart policy: maximum retry count cannot be used with restart policy '{name}' "
            "(only with 'on-failure')"
        )
    if count is not None and count < 0:
        raise ValueError("invalid restart policy: maximum retry count cannot be negative")
    return name, (count if name == "on-failure" else None)


_PULL = ("always", "missing", "never")


def parse_pull(value: str) -> str:
    """`--pull always|missing|never`."""
    if value not in _PULL:
        raise ValueError(f'invalid pull option: \'{value}\': must be one of "always", "missing" or "never"')
    return value


def parse_pid_mode(value: str) -> str:
    """`--pid`: "", `host` or `container:NAME`."""
    if value in ("", "host") or (value.startswith("container:") and value != "container:"):
        return value
    raise ValueError("--pid: invalid PID mode (use host or container:NAME)")


def parse_ipc_mode(value: str) -> str:
    """`--ipc`: "", none|private|shareable|host|container:NAME (checked by the engine)."""
    if value in ("", "none", "private", "shareable", "host") or (
        value.startswith("container:") and value != "container:"
    ):
        return value
    raise ValueError(f"invalid IPC mode: {value} (use none, private, shareable, host or container:NAME)")


def parse_uts_mode(value: str) -> str:
    """`--uts`: "" or `host`."""
    if value in ("", "host"):
        return value
    raise ValueError("--uts: invalid UTS mode (use host)")


def parse_userns_mode(value: str) -> str:
    """`--userns`: "" or `host`."""
    if value in ("", "host"):
        return value
    raise ValueError("--userns: invalid USER mode (use host)")


def parse_cgroupns_mode(value: str) -> str:
    """`--cgroupns`: "", `host` or `private`."""
    if value in ("", "host", "private"):
        return value
    raise ValueError("--cgroupns: invalid CGROUP mode (use host or private)")


_NAMESPACE_PARSERS = {
    "--pid": parse_pid_mode,
    "--ipc": parse_ipc_mode,
    "--uts": parse_uts_mode,
    "--userns": parse_userns_mode,
    "--cgroupns": parse_cgroupns_mode,
}


def parse_namespace_mode(value: str, flag: str) -> str:
    """`--pid|--ipc|--uts|--userns|--cgroupns` value, by flag name."""
    return _NAMESPACE_PARSERS[flag](value)


parse_userns = parse_userns_mode
parse_cgroupns = parse_cgroupns_mode


def parse_workdir(value: str) -> str:
    """`-w`: "" (the image's) or an absolute path; the engine refuses a relative one and stores the
    path cleaned (`/a/../b/` -> `/b`, as Go's filepath.Clean)."""
    if value and not value.startswith("/"):
        raise ValueError(f"the working directory '{value}' is invalid, it needs to be an absolute path")
    return _posix_clean(value) if value else value


def parse_attach(value: str) -> str:
    """`-a stdin|stdout|stderr`, any case -> lower case."""
    low = value.lower()
    if low not in ("stdin", "stdout", "stderr"):
        raise _invalid(value, "-a, --attach", "valid streams are STDIN, STDOUT and STDERR")
    return low


def parse_volumes_from(value: str) -> tuple[str, str]:
    """`--volumes-from CONTAINER[:ro|rw]` -> (container, "ro"|"rw"); the engine checks the mode."""
    name, sep, mode = value.partition(":")
    if not name:
        raise ValueError(f"malformed volumes-from specification: {value} (expected CONTAINER[:ro|rw])")
    if not sep:
        return name, "rw"
    if mode not in ("ro", "rw") and not _valid_mode(mode):
        raise ValueError(f"invalid mode: {mode} (use ro or rw)")
    return name, "ro" if "ro" in mode.split(",") else "rw"


# ---------------------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NetworkOptions:
    """Per-network settings from the long `--network name=...,alias=...` syntax (all empty for a
    plain name). The CLI lower-cases every field of the long syntax, names and aliases included."""

    aliases: tuple[str, ...] = ()
    ipv4_address: str = ""
    ipv6_address: str = ""
    mac_address: str = ""
    link_local_ips: tuple[str, ...] = ()
    driver_opts: dict[str, str] = field(default_factory=dict)
    gw_priority: int = 0


_NETWORK_LONG = lazy(r"\w+=\w+(,\w+=\w+)*")


def parse_network(value: str) -> tuple[str, NetworkOptions]:
    """`--network NAME` or `--network name=NET,alias=A,ip=IP,ip6=IP,mac-address=M,link-local-ip=IP,
    driver-opt=K=V,gw-priority=N` -> (name, NetworkOptions).

    NAME is bridge|host|none|default|container:NAME or a user network, returned as written.
    The long syntax is chosen, as in the CLI, when `\\w+=\\w+` occurs anywhere in the value.
    """
    if not _NETWORK_LONG.search(value):
        return value, NetworkOptions()
    try:
        fields = split_csv(value)
    except ValueError as exc:
        raise ValueError(f"{exc} (expected name=NET,alias=A,...)") from None
    name = ipv4 = ipv6 = mac = ""
    aliases: list[str] = []
    link_local: list[str] = []
    driver_opts: dict[str, str] = {}
    priority = 0
    for fld in fields:
        key, sep, val = fld.lower().partition("=")
        if not sep or not key:
            raise ValueError(f"invalid field {fld} (expected key=value)")
        key, val = key.strip(), val.strip()
        if key == "name":
            name = val
        elif key == "alias":
            aliases.append(val)
        elif key == "ip":
            ipv4 = val
        elif key == "ip6":
            ipv6 = val
        elif key == "mac-address":
            mac = val
        elif key == "link-local-ip":
            link_local.append(val)
        elif key == "driver-opt":
            dkey, dsep, dval = val.partition("=")
            if not dsep or not dkey.strip():
                raise ValueError(
                    "invalid key value pair format in driver options (expected driver-opt=KEY=VALUE)"
                )
            driver_opts[dkey.strip()] = dval.strip()
        elif key == "gw-priority":
            parsed = _go_parse_int(val, base0=False)
            if parsed is None or not -(1 << 63) <= parsed < 1 << 63:
                raise ValueError(f"invalid gw-priority ({val}): invalid syntax (expected an integer)")
            priority = parsed
        else:
            raise ValueError(
                f"invalid field key {key} (use name, alias, ip, ip6, mac-address, link-local-ip, driver-opt, gw-priority)"
            )
    if not name:
        raise ValueError("network name/id is not specified (add name=NETWORK)")
    return name, NetworkOptions(tuple(aliases), ipv4, ipv6, mac, tuple(link_local), driver_opts, priority)


_MAC_HEX = lazy(r"[0-9a-fA-F]{2}")
_MAC_QUAD = lazy(r"[0-9a-fA-F]{4}")


def parse_mac(value: str) -> str:
    """`--mac-address`: Go net.ParseMAC (6, 8 or 20 bytes; `:`/`-` pairs or `.` quads), trimmed."""
    text = value.strip(" \t\n\r\v\f")
    ok = False
    if len(text) >= 14 and text[2:3] in (":", "-"):
        sep = text[2]
        groups = text.split(sep)
        ok = len(groups) in (6, 8, 20) and all(_MAC_HEX.fullmatch(g) for g in groups)
    elif len(text) >= 14 and text[4:5] == ".":
        groups = text.split(".")
        ok = len(groups) * 2 in (6, 8, 20) and all(_MAC_QUAD.fullmatch(g) for g in groups)
    if not ok:
        raise ValueError(f"{value} is not a valid mac address (expected e.g. 92:d0:c6:0a:29:33)")
    return text


# ---------------------------------------------------------------------------------------------
# Resources, devices, limits
# ---------------------------------------------------------------------------------------------


def parse_cpuset(value: str, flag: str = "--cpuset-cpus") -> tuple[int, ...]:
    """`--cpuset-cpus|--cpuset-mems`: `0-3`, `0,1`, `1,3-5` -> sorted CPU/node numbers ("" = none)."""
    if not value:
        return ()
    seen: set[int] = set()
    for part in value.split(","):
        lo_text, dash, hi_text = part.partition("-")
        lo = _go_parse_int(lo_text, base0=False)
        hi = _go_parse_int(hi_text, base0=False) if dash else lo
        if lo is None or hi is None or hi < lo or (dash and (lo_text[:1] in "+-" or hi_text[:1] in "+-")):
            raise ValueError(f"invalid value {value} for {flag} (expected a list like 0-3 or 1,3-5)")
        seen.update(range(lo, hi + 1))
    return tuple(sorted(seen))


_ULIMITS = frozenset(
    {
        "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc",
        "rss", "rtprio", "rttime", "sigpending", "stack",
    }
)  # fmt: skip


def parse_ulimit(value: str) -> tuple[str, int, int]:
    """`--ulimit NAME=SOFT[:HARD]` -> (name, soft, hard); hard defaults to soft; -1 = unlimited."""
    name, sep, limits = value.partition("=")
    if not sep:
        raise _invalid(value, "--ulimit", f"invalid ulimit argument: {value} (expected NAME=SOFT[:HARD])")
    if name not in _ULIMITS:
        raise _invalid(
            value, "--ulimit", f"invalid ulimit type: {name} (use one of {', '.join(sorted(_ULIMITS))})"
        )
    vals = limits.split(":")
    if len(vals) > 2:
        raise _invalid(
            value,
            "--ulimit",
            f"too many limit value arguments - {limits}, can only have up to two, `soft[:hard]`",
        )
    nums: list[int] = []
    for text in vals:
        n = _go_parse_int(text, base0=False)
        if n is None or not -(1 << 63) <= n < 1 << 63:
            raise _invalid(value, "--ulimit", f'strconv.ParseInt: parsing "{text}": invalid syntax')
        nums.append(n)
    soft = nums[0]
    hard = nums[1] if len(nums) == 2 else soft
    if hard != -1 and soft == -1:
        raise _invalid(
            value,
            "--ulimit",
            f"ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: {hard}",
        )
    if hard != -1 and soft > hard:
        raise _invalid(
            value, "--ulimit", f"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
        )
    return name, soft, hard


class GpuRequest(TypedDict):
    """One `--gpus` request, as Docker's DeviceRequest.

    count: -1 for `all`; None when only device_ids were given (Docker then counts nothing);
    1 when neither count nor device was given. all: count == -1. capabilities always end in "gpu".
    """

    count: int | None
    all: bool
    device_ids: list[str]
    capabilities: list[str]
    driver: str
    options: dict[str, str]


def _gpu_count(text: str) -> int:
    if text == "all":
        return -1
    n = _go_parse_int(text, base0=False)
    if n is None:
        raise ValueError(f'invalid count ({text}): value must be either "all" or an integer: invalid syntax')
    return n


def parse_gpus(value: str) -> GpuRequest:
    """`--gpus all|N` or CSV `count=N|all,device=ID[,ID],capabilities=...,driver=...,options=K=V`.

    A device list needs CSV quoting: `--gpus '"device=0,2"'`.
    """
    try:
        fields = split_csv(value)
    except ValueError as exc:
        raise ValueError(f"{exc} (expected all, N or count=N,device=IDS)") from None
    seen: set[str] = set()
    count: int | None = None
    devices: list[str] = []
    caps: list[str] = ["gpu"]
    driver = ""
    options: dict[str, str] = {}
    for fld in fields:
        key, sep, val = fld.partition("=")
        if key in seen:
            raise ValueError(f"gpu request key '{key}' can be specified only once")
        seen.add(key)
        if not sep:
            seen.add("count")
            count = _gpu_count(key)
        elif key == "driver":
            driver = val
        elif key == "count":
            count = _gpu_count(val)
        elif key == "device":
            devices = val.split(",")
        elif key == "capabilities":
            caps = [*val.split(","), "gpu"]
        elif key == "options":
            try:
                opt_fields = split_csv(val)
            except ValueError as exc:
                raise ValueError(f"failed to read gpu options: {exc}") from None
            for opt in opt_fields:
                okey, _, oval = opt.partition("=")
                options[okey] = oval
        else:
            raise ValueError(
                f"unexpected key '{key}' in '{fld}' (use count, device, capabilities, driver, options)"
            )
    if "count" not in seen and not devices:
        count = 1
    return GpuRequest(
        count=count, all=count == -1, device_ids=devices, capabilities=caps, driver=driver, options=options
    )


_SELINUX_LABEL = lazy(r"disable|nested|(?:user|role|type|level|filetype):.+")


def parse_security_opt(value: str) -> tuple[str, str]:
    """`--security-opt` -> (key, value); `:` works instead of `=`; no-new-privileges -> "true"/"false".

    Keys: label (user:|role:|type:|level:|filetype: or disable), apparmor, seccomp
    (unconfined|builtin|a JSON file the CLI reads), no-new-privileges[=bool], systempaths=unconfined
    (only with `=`, as the CLI strips exactly that text), writable-cgroups=bool.
    """
    key, sep, val = value.partition("=")
    if not sep and key != "no-new-privileges":
        key, sep, val = value.partition(":")
    if (not sep or not val) and key != "no-new-privileges":
        raise ValueError(f'Invalid --security-opt: "{value}" (expected KEY=VALUE, e.g. seccomp=unconfined)')
    if key == "no-new-privileges" or key == "writable-cgroups":
        try:
            return key, str(parse_bool(val if sep else "true")).lower()
        except ValueError:
            raise ValueError(f'invalid --security-opt: "{value}" ({key} takes true or false)') from None
    if key == "label":
        if not _SELINUX_LABEL.fullmatch(val):
            raise ValueError(
                f"bad label option \"{val}\", valid options 'disable' or 'user, role, level, type, filetype' "
                "followed by ':' and a value"
            )
        return key, val
    if key in ("apparmor", "seccomp"):
        return key, val
    if value == "systempaths=unconfined":
        return "systempaths", "unconfined"
    raise ValueError(
        f'invalid --security-opt: "{value}" (use label=, apparmor=, seccomp=, no-new-privileges, '
        "systempaths=unconfined)"
    )


# Capabilities moby knows (the host kernel may know fewer; the engine checks against it).
CAPABILITIES = frozenset(
    {
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
        "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
        "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
        "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
        "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
        "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
    }
)  # fmt: skip


def parse_cap(value: str) -> str:
    """`--cap-add/--cap-drop`: any case, with or without CAP_ -> `NET_ADMIN`; `ALL` stays `ALL`."""
    upper = value.upper()
    if upper == "ALL":
        return "ALL"
    name = upper.removeprefix("CAP_")
    if name not in CAPABILITIES:
        raise ValueError(
            f'unknown capability: "CAP_{name}" (use a Linux capability name like NET_ADMIN, or ALL)'
        )
    return name


_DEVICE_MODE = lazy(r"(?!.*(.).*\1)[rwm]{1,3}")
# CDI qualified device name: vendor.com/class=name
_CDI_NAME = lazy(
    r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?/[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?"
    r"=[A-Za-z0-9](?:[A-Za-z0-9_.:-]*[A-Za-z0-9])?"
)


def _valid_device_mode(mode: str) -> bool:
    return bool(_DEVICE_MODE.fullmatch(mode))


def _posix_clean(p: str) -> str:
    """Go path.Clean for the container side of --device."""
    rooted = p.startswith("/")
    stack: list[str] = []
    for part in p.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if stack and stack[-1] != "..":
                stack.pop()
            elif not rooted:
                stack.append("..")
        else:
            stack.append(part)
    out = "/".join(stack)
    return ("/" + out) if rooted else (out or ".")


def parse_device(value: str) -> tuple[str, str, str]:
    """`--device HOST[:CONTAINER][:PERMS]` -> (host, container, perms); perms default `rwm`.

    A CDI name (`vendor.com/class=name`) comes back as (name, "", "").
    """
    if _CDI_NAME.fullmatch(value):
        return value, "", ""
    if value.count(":") > 2 or value.split(":", 1)[0] == "":
        raise ValueError(f"bad format for path: {value} (expected HOST_PATH[:CONTAINER_PATH][:PERMS])")
    parts = value.split(":")
    host = parts[0]
    perms = "rwm"
    if len(parts) == 1:
        container = host
    elif len(parts) == 2:
        if _valid_device_mode(parts[1]):
            container, perms = host, parts[1]
        else:
            container = parts[1]
    else:
        container, perms = parts[1], parts[2]
        if not _valid_device_mode(perms):
            raise ValueError(f"bad mode specified: {perms} (use a combination of r, w and m)")
    if not container.startswith("/"):
        raise ValueError(f"{container} is not an absolute path")
    return host, _posix_clean(container), perms


_CGROUP_RULE = lazy(r"[acb] ([0-9]+|\*):([0-9]+|\*) [rwm]{1,3}")


def parse_device_cgroup_rule(value: str) -> str:
    """`--device-cgroup-rule 'c 42:* rmw'` (TYPE MAJOR:MINOR MODE)."""
    if not _CGROUP_RULE.fullmatch(value):
        raise _invalid(
            value,
            "--device-cgroup-rule",
            f"invalid device cgroup format '{value}' (expected e.g. 'c 42:* rmw')",
        )
    return value


def _device_path(value: str, flag: str) -> tuple[str, str]:
    path, sep, rest = value.partition(":")
    if not sep or not path:
        raise _invalid(value, flag, f"bad format: {value} (expected DEVICE_PATH:VALUE)")
    if not path.startswith("/dev/"):
        raise _invalid(value, flag, f"bad format for device path: {value} (the path must start with /dev/)")
    return path, rest


def parse_weight_device(value: str) -> tuple[str, int]:
    """`--blkio-weight-device /dev/sda:500` -> (path, weight); weight 0 or 10..1000."""
    flag = "--blkio-weight-device"
    path, rest = _device_path(value, flag)
    if (
        not rest.isascii()
        or not rest.isdigit()
        or int(rest) > 0xFFFF
        or (int(rest) and not 10 <= int(rest) <= 1000)
    ):
        raise _invalid(value, flag, f"invalid weight for device: {value} (weight is 10 to 1000)")
    return path, int(rest)


def parse_throttle_bps_device(value: str, flag: str = "--device-read-bps") -> tuple[str, int]:
    """`--device-read-bps|--device-write-bps /dev/sda:1mb` -> (path, bytes per second)."""
    path, rest = _device_path(value, flag)
    try:
        rate = parse_bytes(rest, flag)
    except ValueError:
        raise _invalid(
            value,
            flag,
            f"invalid rate for device: {value}. The correct format is <device-path>:<number>[<unit>]. "
            "Number must be a positive integer. Unit is optional and can be kb, mb, or gb",
        ) from None
    return path, rate


parse_throttle_bps = parse_throttle_bps_device


def parse_throttle_iops_device(value: str, flag: str = "--device-read-iops") -> tuple[str, int]:
    """`--device-read-iops|--device-write-iops /dev/sda:1000` -> (path, IO per second)."""
    path, rest = _device_path(value, flag)
    if not rest.isascii() or not rest.isdigit() or int(rest) >= 1 << 64:
        raise _invalid(
            value,
            flag,
            f"invalid rate for device: {value}. The correct format is <device-path>:<number>. "
            "Number must be a positive integer",
        )
    return path, int(rest)


# ---------------------------------------------------------------------------------------------
# Image handling, signals
# ---------------------------------------------------------------------------------------------

_PLATFORM_PART = lazy(r"[A-Za-z0-9_.-]+")
_KNOWN_OS = frozenset(
    {
        "aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux",
        "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos",
    }
)  # fmt: skip
_KNOWN_ARCH = frozenset(
    {
        "386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle",
        "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv",
        "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm",
    }
)  # fmt: skip


def _normalize_arch(arch: str, variant: str) -> tuple[str, str]:
    """containerd platforms.normalizeArch, the common cases."""
    arch, variant = arch.lower(), variant.lower()
    if arch in ("i386",):
        return "386", ""
    if arch in ("x86_64", "x86-64", "amd64"):
        return "amd64", "" if variant == "v1" else variant
    if arch in ("aarch64", "arm64"):
        return "arm64", "v8" if variant in ("8", "v8", "") else variant
    if arch == "armhf":
        return "arm", "v7"
    if arch == "armel":
        return "arm", "v6"
    if arch == "arm":
        if variant in ("", "7"):
            return "arm", "v7"
        if variant in ("5", "6", "8"):
            return "arm", "v" + variant
    return arch, variant


def parse_platform(value: str) -> str:
    """`--platform os[/arch[/variant]]` (or a lone arch) -> `os[/arch[/variant]]`, normalised
    (`Linux/x86_64` -> `linux/amd64`, `arm64` -> `linux/arm64`); a variant only when one was written."""
    os_name, arch, variant = split_platform(value)
    if not arch:
        return os_name
    if variant and len(value.split("/")) == 3:
        return f"{os_name}/{arch}/{variant}"
    return f"{os_name}/{arch}"


def split_platform(value: str) -> tuple[str, str, str]:
    """containerd platforms.Parse -> (os, arch, variant), normalised.

    arm64 gets variant v8 as containerd does; a lone OS leaves arch "" (the CLI host's); a lone
    arch gets os "linux" (the CLI host's OS on Linux).
    """
    bad = f"error parsing specified platform: {value!r} (expected os[/arch[/variant]], e.g. linux/arm64)"
    if "*" in value:
        raise ValueError(bad)
    parts = value.split("/", 3)
    if any(not _PLATFORM_PART.fullmatch(p) for p in parts) or len(parts) > 3:
        raise ValueError(bad)
    os_name = parts[0].lower().replace("macos", "darwin")
    if len(parts) == 1:
        if os_name in _KNOWN_OS:
            return os_name, "", ""
        arch, variant = _normalize_arch(parts[0], "")
        if arch == "arm" and variant == "v7":
            variant = ""
        if arch in _KNOWN_ARCH:
            return "linux", arch, variant
        raise ValueError(
            f"error parsing specified platform: {value!r}: unknown operating system or architecture"
        )
    arch, variant = _normalize_arch(parts[1], parts[2] if len(parts) == 3 else "")
    return os_name, arch, variant


_SIGNALS = frozenset(
    {
        "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL",
        "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP",
        "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX",
        *(f"RTMIN+{i}" for i in range(1, 16)),
        *(f"RTMAX-{i}" for i in range(1, 15)),
    }
)  # fmt: skip


def parse_signal(value: str) -> str:
    """`--stop-signal`: a name (`SIGTERM`, `term`) -> `SIGTERM`, or a number (1..64) -> as decimal."""
    n = _go_parse_int(value, base0=False)
    if n is not None:
        if not 1 <= n <= 64:
            raise ValueError(f"invalid signal: {value} (numbers are 1 to 64)")
        return str(n)
    name = value.upper().removeprefix("SIG")
    if name not in _SIGNALS:
        raise ValueError(f"invalid signal: {value} (use a name like SIGTERM or a number)")
    return "SIG" + name


parse_throttle_iops = parse_throttle_iops_device
