"""d2k.parsers.values: each docker run flag value read as the Docker CLI 28 reads it.

Accepted cases give the exact result; rejected cases the start of the message. Many rejections
were checked against the real CLI (`docker run FLAG VALUE x` fails before contacting a daemon).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from d2k.model import Mount, Port
from d2k.parsers import values as v


def _gpu(**kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"count": 1, "device_ids": [], "capabilities": ["gpu"], "driver": "", "options": {}}
    out.update(kw)
    out["all"] = out["count"] == -1
    return out


# (function, args, expected result)
ACCEPTED: list[tuple[Callable[..., Any], tuple[Any, ...], Any]] = [
    # booleans: strconv.ParseBool
    *[(v.parse_bool, (s,), True) for s in ("1", "t", "T", "true", "TRUE", "True")],
    *[(v.parse_bool, (s,), False) for s in ("0", "f", "F", "false", "FALSE", "False")],
    # integers: pflag uses ParseInt(s, 0, 64)
    (v.parse_int, ("10", "--cpu-shares"), 10),
    (v.parse_int, ("-5", "--cpu-shares"), -5),
    (v.parse_int, ("+5", "--cpu-shares"), 5),
    (v.parse_int, ("0x10", "--cpu-shares"), 16),
    (v.parse_int, ("010", "--cpu-shares"), 8),
    (v.parse_int, ("0o17", "--cpu-shares"), 15),
    (v.parse_int, ("0b101", "--cpu-shares"), 5),
    (v.parse_int, ("1_000", "--cpu-shares"), 1000),
    (v.parse_int, ("0", "--cpu-shares"), 0),
    (v.parse_int, ("9223372036854775807", "--cpu-quota"), 9223372036854775807),
    (v.parse_uint16, ("65535", "--blkio-weight"), 65535),
    (v.parse_uint64, ("18446744073709551615", "--io-maxiops"), 18446744073709551615),
    (v.parse_stop_timeout, ("10",), 10),
    (v.parse_stop_timeout, ("-1",), -1),
    (v.parse_health_retries, ("3",), 3),
    (v.parse_memory_swappiness, ("-1",), -1),
    (v.parse_memory_swappiness, ("60",), 60),
    (v.parse_oom_score_adj, ("-1000",), -1000),
    (v.parse_blkio_weight, ("0",), 0),
    (v.parse_blkio_weight, ("500",), 500),
    # sizes: go-units RAMInBytes (binary)
    (v.parse_bytes, ("300M",), 314572800),
    (v.parse_bytes, ("300m",), 314572800),
    (v.parse_bytes, ("300mb",), 314572800),
    (v.parse_bytes, ("300MiB",), 314572800),
    (v.parse_bytes, ("1.5g",), 1610612736),
    (v.parse_bytes, (".5k",), 512),
    (v.parse_bytes, ("1.g",), 1073741824),
    (v.parse_bytes, ("1 g",), 1073741824),
    (v.parse_bytes, ("1 ",), 1),
    (v.parse_bytes, ("1024",), 1024),
    (v.parse_bytes, ("1B",), 1),
    (v.parse_bytes, ("1t",), 1 << 40),
    (v.parse_bytes, ("1P",), 1 << 50),
    (v.parse_bytes, ("1e3",), 1000),
    (v.parse_bytes, ("+5",), 5),
    (v.parse_bytes, ("1_000",), 1000),
    (v.parse_bytes, ("0.5b",), 0),
    (v.parse_bytes, ("-1", "--memory-swap", True), -1),
    # durations: Go time.ParseDuration
    (v.parse_duration, ("30s",), 30.0),
    (v.parse_duration, ("1m30s",), 90.0),
    (v.parse_duration, ("1.5h",), 5400.0),
    (v.parse_duration, ("300ms",), 0.3),
    (v.parse_duration, ("0",), 0.0),
    (v.parse_duration, ("-0",), 0.0),
    (v.parse_duration, ("+1s",), 1.0),
    (v.parse_duration, (".5s",), 0.5),
    (v.parse_duration, ("1.s",), 1.0),
    (v.parse_duration, ("-1.5s",), -1.5),
    (v.parse_duration, ("1h2m3s4ms",), 3723.004),
    (v.parse_duration, ("1500us",), 0.0015),
    (v.parse_duration, ("1\u00b5s",), 1e-6),
    (v.parse_duration, ("1\u03bcs",), 1e-6),
    (v.parse_duration, ("10ns",), 1e-8),
    (v.parse_duration_ns, ("1.0000000001s",), 1_000_000_000),
    (v.parse_health_duration, ("30s", "--health-interval"), 30.0),
    (v.parse_health_duration, ("0s", "--health-timeout"), 0.0),
    (v.parse_health_duration, ("1ms", "--health-start-interval"), 0.001),
    # --cpus: big.Rat
    (v.parse_nano_cpus, ("1.5",), 1_500_000_000),
    (v.parse_nano_cpus, ("0.25",), 250_000_000),
    (v.parse_nano_cpus, ("3/2",), 1_500_000_000),
    (v.parse_nano_cpus, ("2",), 2_000_000_000),
    (v.parse_nano_cpus, (".5",), 500_000_000),
    (v.parse_nano_cpus, ("1e-3",), 1_000_000),
    (v.parse_nano_cpus, ("0.000000001",), 1),
    (v.parse_nano_cpus, ("1.500000000",), 1_500_000_000),
    (v.parse_nano_cpus, ("0",), 0),
    # -p
    (v.parse_publish, ("80",), [Port(80, "tcp", True)]),
    (v.parse_publish, ("8080:80",), [Port(80, "tcp", True, 8080)]),
    (v.parse_publish, ("127.0.0.1:8080:80",), [Port(80, "tcp", True, 8080, "127.0.0.1")]),
    (v.parse_publish, ("127.0.0.1::80",), [Port(80, "tcp", True, None, "127.0.0.1")]),
    (v.parse_publish, ("8080:80/udp",), [Port(80, "udp", True, 8080)]),
    (v.parse_publish, ("8080:80/UDP",), [Port(80, "udp", True, 8080)]),
    (v.parse_publish, ("9000:9000/sctp",), [Port(9000, "sctp", True, 9000)]),
    (v.parse_publish, ("80/",), [Port(80, "tcp", True)]),
    (v.parse_publish, ("80/udp/x",), [Port(80, "udp", True)]),
    (v.parse_publish, ("0:80",), [Port(80, "tcp", True, None)]),
    (
        v.parse_publish,
        ("8000-8002:9000-9002",),
        [Port(9000, "tcp", True, 8000), Port(9001, "tcp", True, 8001), Port(9002, "tcp", True, 8002)],
    ),
    (
        v.parse_publish,
        ("8000-8002",),
        [Port(8000, "tcp", True), Port(8001, "tcp", True), Port(8002, "tcp", True)],
    ),
    (v.parse_publish, ("8000-8002:80",), [Port(80, "tcp", True, 8000)]),
    (v.parse_publish, ("[::1]:80:80",), [Port(80, "tcp", True, 80, "::1")]),
    (v.parse_publish, ("[::1]::80",), [Port(80, "tcp", True, None, "::1")]),
    (v.parse_publish, ("::1:80:80",), [Port(80, "tcp", True, 80, "::1")]),
    (v.parse_publish, ("::1::80",), [Port(80, "tcp", True, None, "::1")]),
    (v.parse_publish, ("[1.2.3.4]:80:80",), [Port(80, "tcp", True, 80, "1.2.3.4")]),
    (v.parse_publish, ("0.0.0.0:80:80",), [Port(80, "tcp", True, 80, "0.0.0.0")]),
    (v.parse_publish, ("published=8080,target=80",), [Port(80, "tcp", True, 8080)]),
    (v.parse_publish, ("published=8080,target=80,protocol=udp,mode=host",), [Port(80, "udp", True, 8080)]),
    (v.parse_publish, ("target=80",), [Port(80, "tcp", True)]),
    # --expose
    (v.parse_expose, ("80",), [Port(80)]),
    (v.parse_expose, ("80/udp",), [Port(80, "udp")]),
    (v.parse_expose, ("53/UDP",), [Port(53, "udp")]),
    (v.parse_expose, ("7000-7002",), [Port(7000), Port(7001), Port(7002)]),
    (v.parse_expose, ("7000-7001/sctp",), [Port(7000, "sctp"), Port(7001, "sctp")]),
    # -e
    (v.parse_env, ("K=V",), ("K", "V")),
    (v.parse_env, ("K=",), ("K", "")),
    (v.parse_env, ("K",), ("K", None)),
    (v.parse_env, ("K=a=b",), ("K", "a=b")),
    (v.parse_env, ("K='quoted'",), ("K", "'quoted'")),
    (v.parse_env, ("A B=1",), ("A B", "1")),
    (v.parse_env, (" A=1",), (" A", "1")),
    # labels and maps
    (v.parse_label, ("a=b",), ("a", "b")),
    (v.parse_label, ("a",), ("a", "")),
    (v.parse_label, ("a=b c",), ("a", "b c")),
    (v.parse_label, ("com.example.x=",), ("com.example.x", "")),
    (v.parse_label, (" a=1",), (" a", "1")),
    (v.parse_log_opt, ("max-size=10m",), ("max-size", "10m")),
    (v.parse_log_opt, ("mode",), ("mode", "")),
    (v.parse_storage_opt, ("size=120G",), ("size", "120G")),
    (v.parse_storage_opt, ("=x",), ("", "x")),
    (v.parse_annotation, ("a.b/c=d",), ("a.b/c", "d")),
    (v.parse_annotation, ("k",), ("k", "")),
    (v.parse_sysctl, ("net.core.somaxconn=1024",), ("net.core.somaxconn", "1024")),
    (v.parse_sysctl, ("kernel.shm_rmid_forced=1",), ("kernel.shm_rmid_forced", "1")),
    (v.parse_sysctl, ("kernel.sem=250 32000 100 128",), ("kernel.sem", "250 32000 100 128")),
    (v.parse_sysctl, ("fs.mqueue.msg_max=100",), ("fs.mqueue.msg_max", "100")),
    (v.parse_sysctl, ("net.ipv4.ip_forward=",), ("net.ipv4.ip_forward", "")),
    # links, names, hosts
    (v.parse_link, ("db",), ("db", "db")),
    (v.parse_link, ("db:database",), ("db", "database")),
    (v.parse_link, ("/db",), ("db", "db")),
    (v.parse_link, ("/db:/web/database",), ("db", "database")),
    (v.parse_container_name, ("web-1",), "web-1"),
    (v.parse_container_name, ("a.b_c",), "a.b_c"),
    (v.parse_container_name, ("/web",), "web"),
    (v.parse_container_name, ("ab",), "ab"),
    (v.parse_add_host, ("db:10.0.0.2",), ("db", "10.0.0.2")),
    (v.parse_add_host, ("db=10.0.0.2",), ("db", "10.0.0.2")),
    (v.parse_add_host, ("db:::1",), ("db", "::1")),
    (v.parse_add_host, ("db:[::1]",), ("db", "::1")),
    (v.parse_add_host, ("db=[::1]",), ("db", "::1")),
    (v.parse_add_host, ("db:0:0:0:0:0:0:0:1",), ("db", "0:0:0:0:0:0:0:1")),
    (v.parse_add_host, ("host.docker.internal:host-gateway",), ("host.docker.internal", "host-gateway")),
    (v.parse_add_host, ("db:[10.0.0.2]",), ("db", "10.0.0.2")),
    (v.parse_ip, ("8.8.8.8",), "8.8.8.8"),
    (v.parse_ip, (" 8.8.8.8 ",), "8.8.8.8"),
    (v.parse_ip, ("2001:DB8::1",), "2001:db8::1"),
    (v.parse_ip, ("0:0:0:0:0:0:0:1",), "::1"),
    (v.parse_ip, ("::ffff:1.2.3.4",), "1.2.3.4"),
    (v.parse_ip, ("172.20.0.5", "--ip"), "172.20.0.5"),
    (v.parse_ip, ("fd00::5", "--ip6"), "fd00::5"),
    (v.parse_ip, ("169.254.1.1", "--link-local-ip"), "169.254.1.1"),
    (v.parse_dns_search, ("example.com",), "example.com"),
    (v.parse_dns_search, ("example.com.",), "example.com"),
    (v.parse_dns_search, (" example.com ",), "example.com"),
    (v.parse_dns_search, (".",), "."),
    (v.parse_dns_search, ("a",), "a"),
    (v.parse_dns_search, ("my-host.local",), "my-host.local"),
    (v.parse_dns_option, ("ndots:2",), ("ndots", "2")),
    (v.parse_dns_option, ("edns0",), ("edns0", None)),
    (v.parse_dns_option, ("timeout:1",), ("timeout", "1")),
    (v.parse_user, ("1000",), ("1000", "")),
    (v.parse_user, ("1000:1000",), ("1000", "1000")),
    (v.parse_user, ("www-data:www-data",), ("www-data", "www-data")),
    (v.parse_user, ("",), ("", "")),
    # -v
    (v.parse_volume, ("/data",), Mount("volume", "/data")),
    (v.parse_volume, ("data:/data",), Mount("volume", "/data", "data")),
    (v.parse_volume, ("my_vol.1:/data",), Mount("volume", "/data", "my_vol.1")),
    (v.parse_volume, ("/srv/data:/data",), Mount("bind", "/data", "/srv/data")),
    (v.parse_volume, ("./data:/data",), Mount("bind", "/data", "./data")),
    (v.parse_volume, ("../data:/data",), Mount("bind", "/data", "../data")),
    (v.parse_volume, (".:/app",), Mount("bind", "/app", ".")),
    (v.parse_volume, ("~/data:/data",), Mount("bind", "/data", "~/data")),
    (v.parse_volume, ("/srv:/srv:ro",), Mount("bind", "/srv", "/srv", read_only=True)),
    (v.parse_volume, ("/srv:/srv:rw",), Mount("bind", "/srv", "/srv")),
    (
        v.parse_volume,
        ("/srv:/srv:ro,Z,rslave,cached",),
        Mount("bind", "/srv", "/srv", True, "rslave", options=("Z", "cached")),
    ),
    (v.parse_volume, ("data:/data:nocopy",), Mount("volume", "/data", "data", options=("nocopy",))),
    (v.parse_volume, ("data:/data:z",), Mount("volume", "/data", "data", options=("z",))),
    (
        v.parse_volume,
        ("/var/run/docker.sock:/var/run/docker.sock",),
        Mount("bind", "/var/run/docker.sock", "/var/run/docker.sock"),
    ),
    (v.parse_volume, ("x:/data", "rexray"), Mount("volume", "/data", "x")),
    # --mount
    (v.parse_mount, ("type=bind,source=/a,target=/b",), Mount("bind", "/b", "/a")),
    (v.parse_mount, ("type=bind,src=./a,dst=/b,readonly",), Mount("bind", "/b", "./a", True)),
    (v.parse_mount, ("type=bind,src=.,dst=/b,ro=false",), Mount("bind", "/b", ".")),
    (v.parse_mount, ("Type=BIND,Source=/a,Destination=/b,RO=1",), Mount("bind", "/b", "/a", True)),
    (v.parse_mount, ('type=bind,"src=/a,b",dst=/x',), Mount("bind", "/x", "/a,b")),
    (v.parse_mount, ('type=bind,"src=/a""b",dst=/x',), Mount("bind", "/x", '/a"b')),
    (v.parse_mount, ("target=/data",), Mount("volume", "/data")),
    (v.parse_mount, ("source=data,target=/data",), Mount("volume", "/data", "data")),
    (
        v.parse_mount,
        ("type=bind,src=/a,dst=/b,bind-propagation=rshared",),
        Mount("bind", "/b", "/a", propagation="rshared"),
    ),
    (
        v.parse_mount,
        ("type=bind,src=/a,dst=/b,readonly,bind-recursive=readonly,bind-propagation=rprivate",),
        Mount("bind", "/b", "/a", True, "rprivate", options=("bind-recursive=readonly",)),
    ),
    (
        v.parse_mount,
        ("type=bind,src=/a,dst=/b,bind-nonrecursive",),
        Mount("bind", "/b", "/a", options=("bind-nonrecursive=true",)),
    ),
    (
        v.parse_mount,
        ("src=data,dst=/d,volume-subpath=sub,volume-nocopy,volume-label=a=b,volume-opt=type=nfs",),
        Mount(
            "volume",
            "/d",
            "data",
            subpath="sub",
            options=("volume-nocopy=true", "volume-label=a=b", "volume-opt=type=nfs"),
        ),
    ),
    (
        v.parse_mount,
        ("src=x,dst=/d,volume-driver=rexray",),
        Mount("volume", "/d", "x", options=("volume-driver=rexray",)),
    ),
    (
        v.parse_mount,
        ("type=tmpfs,dst=/run,tmpfs-size=64m,tmpfs-mode=1770",),
        Mount("tmpfs", "/run", size_limit=64 << 20, options=("tmpfs-mode=1770",)),
    ),
    (
        v.parse_mount,
        ("type=image,src=alpine,dst=/img,image-subpath=etc",),
        Mount("image", "/img", "alpine", subpath="etc"),
    ),
    (
        v.parse_mount,
        ("type=bind,src=/a,dst=/b,consistency=Cached",),
        Mount("bind", "/b", "/a", options=("consistency=cached",)),
    ),
    # --tmpfs
    (v.parse_tmpfs, ("/run",), Mount("tmpfs", "/run")),
    (
        v.parse_tmpfs,
        ("/run:rw,noexec,nosuid,size=65536k,mode=1777",),
        Mount(
            "tmpfs",
            "/run",
            size_limit=65536 * 1024,
            options=("rw", "noexec", "nosuid", "size=65536k", "mode=1777"),
        ),
    ),
    (
        v.parse_tmpfs,
        ("/tmp:ro,size=1g",),
        Mount("tmpfs", "/tmp", read_only=True, size_limit=1 << 30, options=("ro", "size=1g")),
    ),
    (v.parse_tmpfs, ("/tmp:size=4096",), Mount("tmpfs", "/tmp", size_limit=4096, options=("size=4096",))),
    (v.parse_tmpfs, ("/tmp:size=50%",), Mount("tmpfs", "/tmp", options=("size=50%",))),
    (v.parse_tmpfs, ("/tmp:uid=1000,gid=1000",), Mount("tmpfs", "/tmp", options=("uid=1000", "gid=1000"))),
    # --restart
    (v.parse_restart, ("no",), ("no", None)),
    (v.parse_restart, ("always",), ("always", None)),
    (v.parse_restart, ("unless-stopped",), ("unless-stopped", None)),
    (v.parse_restart, ("on-failure",), ("on-failure", None)),
    (v.parse_restart, ("on-failure:5",), ("on-failure", 5)),
    (v.parse_restart, ("on-failure:0",), ("on-failure", 0)),
    (v.parse_restart, ("on-failure:",), ("on-failure", None)),
    (v.parse_restart, ("always:0",), ("always", None)),
    (v.parse_restart, ("",), ("", None)),
    # modes
    (v.parse_pull, ("always",), "always"),
    (v.parse_pull, ("missing",), "missing"),
    (v.parse_pull, ("never",), "never"),
    (v.parse_pid_mode, ("host",), "host"),
    (v.parse_pid_mode, ("container:db",), "container:db"),
    (v.parse_ipc_mode, ("shareable",), "shareable"),
    (v.parse_ipc_mode, ("container:db",), "container:db"),
    (v.parse_uts_mode, ("host",), "host"),
    (v.parse_userns_mode, ("host",), "host"),
    (v.parse_userns_mode, ("",), ""),
    (v.parse_cgroupns_mode, ("private",), "private"),
    (v.parse_attach, ("STDIN",), "stdin"),
    (v.parse_namespace_mode, ("host", "--pid"), "host"),
    (v.parse_namespace_mode, ("shareable", "--ipc"), "shareable"),
    (v.parse_namespace_mode, ("host", "--uts"), "host"),
    (v.parse_namespace_mode, ("", "--userns"), ""),
    (v.parse_namespace_mode, ("host", "--cgroupns"), "host"),
    (v.parse_userns, ("host",), "host"),
    (v.parse_cgroupns, ("private",), "private"),
    (v.parse_workdir, ("/app",), "/app"),
    (v.parse_workdir, ("",), ""),
    (v.parse_memory_swap, ("-1",), -1),
    (v.parse_memory_swap, ("1g",), 1 << 30),
    (v.parse_swappiness, ("0",), 0),
    (v.parse_dns_option_text, ("ndots:2",), "ndots:2"),
    (v.parse_throttle_bps, ("/dev/sda:1mb",), ("/dev/sda", 1 << 20)),
    (v.parse_throttle_iops, ("/dev/sda:10",), ("/dev/sda", 10)),
    (v.parse_duration, ("30s", "--health-interval"), 30.0),
    (v.parse_duration, ("-1s", "--stop-timeout-ish"), -1.0),
    (v.parse_attach, ("stdout",), "stdout"),
    (v.parse_volumes_from, ("data",), ("data", "rw")),
    (v.parse_volumes_from, ("data:ro",), ("data", "ro")),
    (v.parse_volumes_from, ("data:rw",), ("data", "rw")),
    # --network
    (v.parse_network, ("mynet",), ("mynet", v.NetworkOptions())),
    (v.parse_network, ("host",), ("host", v.NetworkOptions())),
    (v.parse_network, ("container:db",), ("container:db", v.NetworkOptions())),
    (v.parse_network, ("my-net",), ("my-net", v.NetworkOptions())),
    (v.parse_network, ("name=backend",), ("backend", v.NetworkOptions())),
    (
        v.parse_network,
        ("name=Backend,alias=api,alias=API2,ip=172.20.0.5,ip6=fd00::5,mac-address=92:d0:c6:0a:29:33",),
        ("backend", v.NetworkOptions(("api", "api2"), "172.20.0.5", "fd00::5", "92:d0:c6:0a:29:33")),
    ),
    (
        v.parse_network,
        (
            "name=n,driver-opt=com.docker.network.endpoint.sysctls=net.ipv4.conf.IFNAME.log_martians=1,gw-priority=10",
        ),
        (
            "n",
            v.NetworkOptions(
                driver_opts={"com.docker.network.endpoint.sysctls": "net.ipv4.conf.ifname.log_martians=1"},
                gw_priority=10,
            ),
        ),
    ),
    (
        v.parse_network,
        ("name=n,link-local-ip=169.254.0.1",),
        ("n", v.NetworkOptions(link_local_ips=("169.254.0.1",))),
    ),
    # --mac-address
    (v.parse_mac, ("92:d0:c6:0a:29:33",), "92:d0:c6:0a:29:33"),
    (v.parse_mac, ("92-D0-C6-0A-29-33",), "92-D0-C6-0A-29-33"),
    (v.parse_mac, ("92d0.c60a.2933",), "92d0.c60a.2933"),
    (v.parse_mac, (" 92:d0:c6:0a:29:33 ",), "92:d0:c6:0a:29:33"),
    # cpusets
    (v.parse_cpuset, ("0-3",), (0, 1, 2, 3)),
    (v.parse_cpuset, ("0,1",), (0, 1)),
    (v.parse_cpuset, ("1,3-5",), (1, 3, 4, 5)),
    (v.parse_cpuset, ("3,1,1",), (1, 3)),
    (v.parse_cpuset, ("",), ()),
    (v.parse_cpuset, ("0", "--cpuset-mems"), (0,)),
    # --ulimit
    (v.parse_ulimit, ("nofile=1024",), ("nofile", 1024, 1024)),
    (v.parse_ulimit, ("nofile=1024:2048",), ("nofile", 1024, 2048)),
    (v.parse_ulimit, ("memlock=-1",), ("memlock", -1, -1)),
    (v.parse_ulimit, ("memlock=-1:-1",), ("memlock", -1, -1)),
    (v.parse_ulimit, ("core=10:-1",), ("core", 10, -1)),
    # --gpus
    (v.parse_gpus, ("all",), _gpu(count=-1)),
    (v.parse_gpus, ("2",), _gpu(count=2)),
    (v.parse_gpus, ("count=all",), _gpu(count=-1)),
    (v.parse_gpus, ("driver=nvidia",), _gpu(driver="nvidia")),
    (v.parse_gpus, ('"device=0,2"',), _gpu(count=None, device_ids=["0", "2"])),
    (v.parse_gpus, ("device=GPU-3a23c669",), _gpu(count=None, device_ids=["GPU-3a23c669"])),
    (
        v.parse_gpus,
        ('count=1,"capabilities=compute,utility"',),
        _gpu(capabilities=["compute", "utility", "gpu"]),
    ),
    (v.parse_gpus, ("1,options=a=b",), _gpu(options={"a": "b"})),
    # --security-opt
    (v.parse_security_opt, ("no-new-privileges",), ("no-new-privileges", "true")),
    (v.parse_security_opt, ("no-new-privileges:true",), ("no-new-privileges", "true")),
    (v.parse_security_opt, ("no-new-privileges=false",), ("no-new-privileges", "false")),
    (v.parse_security_opt, ("seccomp=unconfined",), ("seccomp", "unconfined")),
    (v.parse_security_opt, ("seccomp:unconfined",), ("seccomp", "unconfined")),
    (v.parse_security_opt, ("seccomp=/etc/profile.json",), ("seccomp", "/etc/profile.json")),
    (v.parse_security_opt, ("apparmor=unconfined",), ("apparmor", "unconfined")),
    (v.parse_security_opt, ("apparmor:docker-default",), ("apparmor", "docker-default")),
    (v.parse_security_opt, ("label=disable",), ("label", "disable")),
    (v.parse_security_opt, ("label:disable",), ("label", "disable")),
    (v.parse_security_opt, ("label=type:svirt_apache_t",), ("label", "type:svirt_apache_t")),
    (v.parse_security_opt, ("label=level:s0:c100,c200",), ("label", "level:s0:c100,c200")),
    (v.parse_security_opt, ("systempaths=unconfined",), ("systempaths", "unconfined")),
    (v.parse_security_opt, ("writable-cgroups=true",), ("writable-cgroups", "true")),
    # capabilities
    (v.parse_cap, ("NET_ADMIN",), "NET_ADMIN"),
    (v.parse_cap, ("net_admin",), "NET_ADMIN"),
    (v.parse_cap, ("CAP_NET_ADMIN",), "NET_ADMIN"),
    (v.parse_cap, ("cap_sys_ptrace",), "SYS_PTRACE"),
    (v.parse_cap, ("ALL",), "ALL"),
    (v.parse_cap, ("all",), "ALL"),
    # devices
    (v.parse_device, ("/dev/sda",), ("/dev/sda", "/dev/sda", "rwm")),
    (v.parse_device, ("/dev/sda:/dev/xvdc",), ("/dev/sda", "/dev/xvdc", "rwm")),
    (v.parse_device, ("/dev/sda:r",), ("/dev/sda", "/dev/sda", "r")),
    (v.parse_device, ("/dev/sda:/dev/xvdc:rw",), ("/dev/sda", "/dev/xvdc", "rw")),
    (v.parse_device, ("/dev/sda:/dev//xvdc/",), ("/dev/sda", "/dev/xvdc", "rwm")),
    (v.parse_device, ("/dev/snd:mrw",), ("/dev/snd", "/dev/snd", "mrw")),
    (v.parse_device, ("nvidia.com/gpu=all",), ("nvidia.com/gpu=all", "", "")),
    (v.parse_device_cgroup_rule, ("c 42:* rmw",), "c 42:* rmw"),
    (v.parse_device_cgroup_rule, ("a *:* m",), "a *:* m"),
    (v.parse_device_cgroup_rule, ("b 8:0 r",), "b 8:0 r"),
    (v.parse_weight_device, ("/dev/sda:500",), ("/dev/sda", 500)),
    (v.parse_weight_device, ("/dev/sda:0",), ("/dev/sda", 0)),
    (v.parse_throttle_bps_device, ("/dev/sda:1mb",), ("/dev/sda", 1 << 20)),
    (v.parse_throttle_bps_device, ("/dev/sda:10kb", "--device-write-bps"), ("/dev/sda", 10240)),
    (v.parse_throttle_bps_device, ("/dev/sda:1000",), ("/dev/sda", 1000)),
    (v.parse_throttle_iops_device, ("/dev/sda:1000",), ("/dev/sda", 1000)),
    (v.parse_throttle_iops_device, ("/dev/sda:0", "--device-write-iops"), ("/dev/sda", 0)),
    # platform
    (v.split_platform, ("linux/amd64",), ("linux", "amd64", "")),
    (v.split_platform, ("linux/arm64",), ("linux", "arm64", "v8")),
    (v.split_platform, ("linux/arm64/v8",), ("linux", "arm64", "v8")),
    (v.split_platform, ("linux/arm/v7",), ("linux", "arm", "v7")),
    (v.split_platform, ("Linux/x86_64",), ("linux", "amd64", "")),
    (v.split_platform, ("linux/aarch64",), ("linux", "arm64", "v8")),
    (v.split_platform, ("linux",), ("linux", "", "")),
    (v.split_platform, ("arm64",), ("linux", "arm64", "v8")),
    (v.split_platform, ("amd64",), ("linux", "amd64", "")),
    (v.split_platform, ("windows/amd64",), ("windows", "amd64", "")),
    (v.parse_platform, ("linux/amd64",), "linux/amd64"),
    (v.parse_platform, ("Linux/x86_64",), "linux/amd64"),
    (v.parse_platform, ("linux/arm64",), "linux/arm64"),
    (v.parse_platform, ("linux/arm64/v8",), "linux/arm64/v8"),
    (v.parse_platform, ("linux/arm/7",), "linux/arm/v7"),
    (v.parse_platform, ("linux",), "linux"),
    (v.parse_platform, ("arm64",), "linux/arm64"),
    # signals
    (v.parse_signal, ("SIGTERM",), "SIGTERM"),
    (v.parse_signal, ("TERM",), "SIGTERM"),
    (v.parse_signal, ("sigquit",), "SIGQUIT"),
    (v.parse_signal, ("SIGRTMIN+3",), "SIGRTMIN+3"),
    (v.parse_signal, ("9",), "9"),
    (v.parse_signal, ("15",), "15"),
]


# (function, args, a fragment the message must contain)
REJECTED: list[tuple[Callable[..., Any], tuple[Any, ...], str]] = [
    (v.parse_bool, ("yes",), "invalid syntax"),
    (v.parse_bool, ("tRUE",), "invalid syntax"),
    (v.parse_bool, ("",), "invalid syntax"),
    (v.parse_bool, ("no", "--rm"), 'invalid argument "no" for "--rm" flag'),
    (
        v.parse_int,
        ("10s", "--stop-timeout"),
        'invalid argument "10s" for "--stop-timeout" flag: strconv.ParseInt',
    ),
    (v.parse_int, ("08", "--cpu-shares"), "invalid syntax"),
    (v.parse_int, ("", "--cpu-shares"), "invalid syntax"),
    (v.parse_int, (" 1", "--cpu-shares"), "invalid syntax"),
    (v.parse_int, ("1.5", "--cpu-shares"), "invalid syntax"),
    (v.parse_int, ("1__0", "--cpu-shares"), "invalid syntax"),
    (v.parse_int, ("_1", "--cpu-shares"), "invalid syntax"),
    (v.parse_int, ("0x", "--cpu-shares"), "invalid syntax"),
    (v.parse_int, ("99999999999999999999", "--stop-timeout"), "value out of range"),
    (v.parse_uint16, ("70000", "--blkio-weight"), "value out of range"),
    (v.parse_uint16, ("-1", "--blkio-weight"), "strconv.ParseUint"),
    (v.parse_stop_timeout, ("10s",), '"--stop-timeout"'),
    (v.parse_health_retries, ("-1",), "--health-retries cannot be negative"),
    (v.parse_memory_swappiness, ("200",), "Valid memory swappiness range is 0-100"),
    (v.parse_oom_score_adj, ("2000",), "[-1000, 1000]"),
    (v.parse_blkio_weight, ("5",), "10 to 1000"),
    (v.parse_bytes, ("-1",), "invalid size: '-1'"),
    (v.parse_bytes, ("-2", "--memory-swap", True), "invalid size: '-2'"),
    (v.parse_bytes, ("1kbb",), "invalid suffix: 'kbb'"),
    (v.parse_bytes, ("1ib",), "invalid suffix: 'ib'"),
    (v.parse_bytes, ("1e",), "invalid suffix: 'e'"),
    (v.parse_bytes, ("1x",), "invalid suffix: 'x'"),
    (v.parse_bytes, ("1mbb",), "invalid suffix"),
    (v.parse_bytes, ("1kb2",), "ParseFloat"),
    (v.parse_bytes, ("g",), "invalid size: 'g'"),
    (v.parse_bytes, ("",), "invalid size: ''"),
    (v.parse_bytes, ("inf",), "invalid size"),
    (v.parse_bytes, ("0x10",), 'parsing "0x10": invalid syntax'),
    (v.parse_bytes, (" 1g",), 'parsing " 1": invalid syntax'),
    (v.parse_bytes, ("1g ",), 'parsing "1g": invalid syntax'),
    (v.parse_bytes, ("1  g",), 'parsing "1 ": invalid syntax'),
    (v.parse_bytes, ("1e400",), "invalid syntax"),
    (v.parse_duration, ("1",), "missing unit in duration"),
    (v.parse_duration, ("1x",), 'unknown unit "x"'),
    (v.parse_duration, ("1h-1s",), 'unknown unit "h-"'),
    (v.parse_duration, ("",), "invalid duration"),
    (v.parse_duration, ("s",), "invalid duration"),
    (v.parse_duration, (".s",), "invalid duration"),
    (v.parse_duration, ("-",), "invalid duration"),
    (v.parse_duration, ("1S",), 'unknown unit "S"'),
    (v.parse_duration, ("1d",), 'unknown unit "d"'),
    (v.parse_duration, ("3000000h",), "invalid duration"),
    (v.parse_duration, ("1x", "--health-interval"), 'invalid argument "1x" for "--health-interval" flag'),
    (v.parse_health_duration, ("-1s", "--health-interval"), "--health-interval cannot be negative"),
    (v.parse_health_duration, ("-1s", "--health-timeout"), "--health-timeout cannot be negative"),
    (v.parse_health_duration, ("-1s", "--health-start-period"), "--health-start-period cannot be negative"),
    (v.parse_health_duration, ("500us", "--health-interval"), "cannot be less than 1ms"),
    (v.parse_health_duration, ("30", "--health-interval"), "missing unit"),
    (v.parse_nano_cpus, ("1.1234567891",), "value is too precise"),
    (v.parse_nano_cpus, ("1/3",), "value is too precise"),
    (v.parse_nano_cpus, ("3/0",), "failed to parse 3/0 as a rational number"),
    (v.parse_nano_cpus, (" 1",), "as a rational number"),
    (v.parse_nano_cpus, ("1.5 ",), "as a rational number"),
    (v.parse_nano_cpus, ("abc",), "as a rational number"),
    (v.parse_nano_cpus, ("",), "as a rational number"),
    (v.parse_nano_cpus, ("1/2/3",), "as a rational number"),
    (v.parse_nano_cpus, ("-1",), "cannot be negative"),
    # -p
    (v.parse_publish, ("99999:80",), "invalid hostPort: 99999"),
    (v.parse_publish, ("80:99999",), "invalid containerPort: 99999"),
    (v.parse_publish, ("80:0",), "invalid containerPort: 0"),
    (v.parse_publish, ("0",), "invalid containerPort: 0"),
    (v.parse_publish, ("80:80/foo",), "invalid proto: foo"),
    (v.parse_publish, ("80/tcpx",), "invalid proto: tcpx"),
    (
        v.parse_publish,
        ("8000-8001:80-82",),
        "invalid ranges specified for container and host Ports: 80-82 and 8000-8001",
    ),
    (v.parse_publish, ("80-70",), "invalid containerPort: 80-70"),
    (v.parse_publish, ("80-70:80",), "invalid hostPort: 80-70"),
    (v.parse_publish, ("",), "no port specified: <empty>"),
    (v.parse_publish, ("8080:",), "no port specified"),
    (v.parse_publish, ("/udp",), "no port specified"),
    (v.parse_publish, ("1.2.3:80:80",), "invalid IP address: 1.2.3"),
    (v.parse_publish, ("localhost:80:80",), "invalid IP address: localhost"),
    (v.parse_publish, ("1.2.3.4:80:80:80",), "invalid IP address: 1.2.3.4:80"),
    (v.parse_publish, ("[::1:80:80",), "invalid IP address"),
    (v.parse_publish, ("abc",), "invalid containerPort: abc"),
    (v.parse_publish, ("+80",), "invalid containerPort: +80"),
    (v.parse_publish, ("published=8080",), "no port specified: 8080:/tcp<empty>"),
    (v.parse_publish, ("a=b,c",), "invalid publish opts format (should be name=value but got 'c')"),
    (v.parse_publish, ("published=8080,target=80,protocol=icmp",), "invalid proto: icmp"),
    # --expose
    (v.parse_expose, ("80:80",), "invalid port format for --expose: 80:80"),
    (v.parse_expose, ("80-70",), "invalid range specified for port: 80-70"),
    (v.parse_expose, ("",), "empty string specified for ports"),
    (v.parse_expose, ("99999",), "value out of range"),
    (v.parse_expose, ("80/foo",), "invalid proto: foo"),
    (v.parse_expose, ("0",), "1-65535"),
    # -e, labels, maps
    (v.parse_env, ("=secret",), "invalid environment variable"),
    (v.parse_env, ("",), "invalid environment variable"),
    (v.parse_label, ("=x",), "empty name"),
    (v.parse_label, ("",), "empty name"),
    (v.parse_label, ("a b=1",), "label 'a b' contains whitespaces"),
    (v.parse_label, ("a\tb",), "contains whitespaces"),
    (v.parse_log_opt, ("=x",), "empty key"),
    (v.parse_storage_opt, ("size",), "invalid storage option"),
    (v.parse_sysctl, ("foo=1",), "sysctl 'foo=1' is not allowed"),
    (v.parse_sysctl, ("kernel.sem",), "sysctl 'kernel.sem' is not allowed"),
    (v.parse_sysctl, ("kernel.domainname=x",), "is not allowed"),
    (v.parse_sysctl, ("vm.swappiness=10",), "is not allowed"),
    (v.parse_sysctl, ("fs.file-max=10",), "is not allowed"),
    (v.parse_sysctl, ("=1",), "is not allowed"),
    # links, names, hosts
    (v.parse_link, ("",), "empty string specified for links"),
    (v.parse_link, ("a:b:c",), "bad format for links: a:b:c"),
    (v.parse_link, ("a:",), "bad format for links"),
    (v.parse_container_name, ("a",), "Invalid container name (a)"),
    (v.parse_container_name, ("-x",), "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"),
    (v.parse_container_name, ("my app",), "Invalid container name"),
    (v.parse_container_name, ("",), "Invalid container name"),
    (v.parse_add_host, ("a:b",), 'invalid IP address in add-host: "b"'),
    (v.parse_add_host, ("a:b:c",), 'invalid IP address in add-host: "b:c"'),
    (v.parse_add_host, ("nohost",), "bad format for add-host"),
    (v.parse_add_host, (":1.2.3.4",), "bad format for add-host"),
    (v.parse_add_host, ("a:b=1.2.3.4",), "bad format for add-host"),
    (v.parse_add_host, ("a:",), "invalid IP address in add-host"),
    (v.parse_add_host, ("a:[]",), "invalid IP address in add-host"),
    (v.parse_ip, ("x",), "IP address is not correctly formatted: x"),
    (v.parse_ip, ("1.2.3",), "IP address is not correctly formatted"),
    (v.parse_ip, ("fe80::1%eth0",), "IP address is not correctly formatted"),
    (v.parse_ip, ("01.2.3.4",), "IP address is not correctly formatted"),
    (v.parse_ip, ("::1", "--ip"), "invalid IPv4 address: ::1"),
    (v.parse_ip, ("1.2.3.4", "--ip6"), "invalid IPv6 address: 1.2.3.4"),
    (v.parse_ip, ("1.2.3", "--ip"), "not correctly formatted"),
    (v.parse_dns_search, ("-x",), "-x is not a valid domain"),
    (v.parse_dns_search, ("123",), "is not a valid domain"),
    (v.parse_dns_search, ("a..b",), "is not a valid domain"),
    (v.parse_dns_search, ("a_b.com",), "is not a valid domain"),
    (v.parse_dns_search, ("",), "is not a valid domain"),
    (v.parse_dns_search, ("a" * 256,), "is not a valid domain"),
    (v.parse_dns_option, ("",), "empty --dns-option"),
    # -v
    (v.parse_volume, ("",), "invalid empty volume spec"),
    (v.parse_volume, ("/a::/b",), "empty section between colons"),
    (v.parse_volume, ("/a:/b:",), "empty section between colons"),
    (v.parse_volume, (":/b",), "empty section between colons"),
    (v.parse_volume, ("a:b:c:d",), "invalid volume specification: 'a:b:c:d'"),
    (v.parse_volume, ("D:\\data:/data",), "invalid mode: /data"),
    (v.parse_volume, ("C:/data:/data",), "invalid mode: /data"),
    (v.parse_volume, ("/a:/b:foo",), "invalid mode: foo"),
    (v.parse_volume, ("/a:/b:ro,rw",), "invalid mode: ro,rw"),
    (v.parse_volume, ("/a:/b:z,Z",), "invalid mode: z,Z"),
    (v.parse_volume, ("/a:/b:default",), "invalid mode: default"),
    (v.parse_volume, ("/a:ro",), "invalid volume specification: '/a:ro'"),
    (v.parse_volume, ("x",), "mount path must be absolute"),
    (v.parse_volume, ("/a:b",), "invalid mount path: 'b' mount path must be absolute"),
    (v.parse_volume, ("/a:/",), "destination can't be '/'"),
    (v.parse_volume, ("/a:/x/..",), "destination can't be '/'"),
    (v.parse_volume, ("a:/data",), "too short"),
    (v.parse_volume, ("my@vol:/data",), "includes invalid characters for a local volume name"),
    (v.parse_volume, ("_vol:/data",), "includes invalid characters"),
    # --mount
    (v.parse_mount, ("type=bind,src=a",), "target is required"),
    (v.parse_mount, ("",), "EOF"),
    (v.parse_mount, ("type=foo,dst=/a",), "mount type unknown"),
    (v.parse_mount, ('type=bind,src=/a",dst=/x',), 'bare " in non-quoted-field'),
    (v.parse_mount, ('"type=tmpfs"x,dst=/x',), 'extraneous or missing " in quoted-field'),
    (v.parse_mount, ('"type=tmpfs,dst=/x',), 'extraneous or missing " in quoted-field'),
    (v.parse_mount, ("target=/x,foo=1",), "unexpected key 'foo' in 'foo=1'"),
    (v.parse_mount, ("target=/x,ro=maybe",), "invalid value for ro: maybe"),
    (v.parse_mount, ("target=/x,bogus",), "invalid field 'bogus' must be a key=value pair"),
    (v.parse_mount, ("target=/x,tmpfs-size=1g",), "cannot mix 'tmpfs-*' options with mount type 'volume'"),
    (
        v.parse_mount,
        ("type=bind,src=/a,dst=/x,volume-nocopy",),
        "cannot mix 'volume-*' options with mount type 'bind'",
    ),
    (
        v.parse_mount,
        ("src=v1,dst=/x,bind-propagation=shared",),
        "cannot mix 'bind-*' options with mount type 'volume'",
    ),
    (v.parse_mount, ("type=tmpfs,dst=/x,image-subpath=a",), "cannot mix 'image-*'"),
    (v.parse_mount, ("type=tmpfs,dst=/x,tmpfs-mode=999",), "invalid value for tmpfs-mode: 999"),
    (v.parse_mount, ("type=tmpfs,dst=/x,tmpfs-size=big",), "invalid value for tmpfs-size: big"),
    (v.parse_mount, ("type=bind,src=/a,dst=/x,bind-recursive=maybe",), 'must be "enabled", "disabled"'),
    (v.parse_mount, ("type=bind,src=/a,dst=/x,bind-recursive=writable",), "requires 'readonly'"),
    (
        v.parse_mount,
        ("type=bind,src=/a,dst=/x,ro,bind-recursive=readonly",),
        "requires 'bind-propagation=rprivate'",
    ),
    (
        v.parse_mount,
        ("type=bind,src=/a,dst=/x,bind-propagation=sideways",),
        "invalid propagation mode: sideways",
    ),
    (v.parse_mount, ("type=bind,src=/a,dst=/x,volume-nocopy=maybe",), "invalid value for volume-nocopy"),
    (v.parse_mount, ("type=bind,dst=/x",), "field Source must not be empty"),
    (v.parse_mount, ("type=bind,src=../a,dst=/x",), "mount path must be absolute"),
    (v.parse_mount, ("type=bind,src=~/a,dst=/x",), "mount path must be absolute"),
    (v.parse_mount, ("type=bind,src=/a,dst=x",), "invalid mount path: 'x' mount path must be absolute"),
    (v.parse_mount, ("type=tmpfs,src=/a,dst=/x",), "field Source must not be specified"),
    (v.parse_mount, ("type=image,dst=/x",), "field Source must not be empty"),
    (v.parse_mount, ("src=my@vol,dst=/x",), "includes invalid characters"),
    (v.parse_mount, ("type=bind,src=/a,dst=/x,consistency=weird",), "invalid consistency: weird"),
    # --tmpfs
    (v.parse_tmpfs, ("rel",), "mount path must be absolute"),
    (v.parse_tmpfs, ("/",), "destination can't be '/'"),
    (v.parse_tmpfs, ("/x:foo=1",), "invalid tmpfs option 'foo=1'"),
    (v.parse_tmpfs, ("/x:ro=1",), "invalid tmpfs option"),
    (v.parse_tmpfs, ("/x:size=big",), "invalid tmpfs size"),
    (v.parse_tmpfs, ("/x:mode=rwx",), "invalid tmpfs mode"),
    # --restart
    (v.parse_restart, (":3",), "no policy provided before colon"),
    (v.parse_restart, ("on-failure:x",), "maximum retry count must be an integer"),
    (v.parse_restart, ("on-failure:1.5",), "maximum retry count must be an integer"),
    (v.parse_restart, ("on-failure:-1",), "cannot be negative"),
    (v.parse_restart, ("foo",), "unknown policy 'foo'"),
    (v.parse_restart, ("Always",), "unknown policy 'Always'"),
    (v.parse_restart, ("always:3",), "maximum retry count cannot be used with restart policy 'always'"),
    (v.parse_restart, ("unless-stopped:1",), "maximum retry count cannot be used with restart policy"),
    (v.parse_restart, ("no:1",), "maximum retry count cannot be used with restart policy"),
    # modes
    (v.parse_pull, ("foo",), "invalid pull option: 'foo'"),
    (v.parse_pull, ("Always",), "invalid pull option"),
    (v.parse_pid_mode, ("foo",), "--pid: invalid PID mode"),
    (v.parse_pid_mode, ("container:",), "--pid: invalid PID mode"),
    (v.parse_ipc_mode, ("foo",), "invalid IPC mode: foo"),
    (v.parse_uts_mode, ("container:x",), "--uts: invalid UTS mode"),
    (v.parse_userns_mode, ("foo",), "--userns: invalid USER mode"),
    (v.parse_cgroupns_mode, ("foo",), "--cgroupns: invalid CGROUP mode"),
    (v.parse_attach, ("foo",), "valid streams are STDIN, STDOUT and STDERR"),
    (v.parse_namespace_mode, ("foo", "--pid"), "--pid: invalid PID mode"),
    (v.parse_namespace_mode, ("container:x", "--uts"), "--uts: invalid UTS mode"),
    (v.parse_workdir, ("app",), "it needs to be an absolute path"),
    (v.parse_memory_swap, ("-2",), "invalid size: '-2'"),
    (v.parse_dns_option_text, (" ",), "empty --dns-option"),
    (v.parse_duration, ("-1s", "--health-interval"), "--health-interval cannot be negative"),
    (v.parse_duration, ("-1s", "--health-start-interval"), "--health-start-interval cannot be negative"),
    (v.parse_volumes_from, ("a:x",), "invalid mode: x"),
    (v.parse_volumes_from, (":ro",), "malformed volumes-from specification"),
    # --network
    (v.parse_network, ("name=a,alias=b,foo=c",), "invalid field key foo"),
    (v.parse_network, ("alias=b",), "network name/id is not specified"),
    (v.parse_network, ("name=a,gw-priority=x",), "invalid gw-priority (x): invalid syntax"),
    (v.parse_network, ("name=a,driver-opt=x",), "invalid key value pair format in driver options"),
    (v.parse_network, ("name=a,noequals",), "invalid field noequals"),
    (v.parse_network, ('name=a,"alias=b',), "extraneous or missing"),
    # --mac-address
    (v.parse_mac, ("zz",), "zz is not a valid mac address"),
    (v.parse_mac, ("92:d0:c6:0a:29",), "is not a valid mac address"),
    (v.parse_mac, ("92:d0:c6:0a:29:3g",), "is not a valid mac address"),
    (v.parse_mac, ("92:d0-c6:0a:29:33",), "is not a valid mac address"),
    # cpusets
    (v.parse_cpuset, ("x",), "invalid value x for --cpuset-cpus"),
    (v.parse_cpuset, ("3-1",), "invalid value 3-1"),
    (v.parse_cpuset, ("1-",), "invalid value"),
    (v.parse_cpuset, ("-1",), "invalid value"),
    (v.parse_cpuset, ("1,,2",), "invalid value"),
    (v.parse_cpuset, ("x", "--cpuset-mems"), "for --cpuset-mems"),
    # --ulimit
    (v.parse_ulimit, ("nofile=10:5",), "ulimit soft limit must be less than or equal to hard limit: 10 > 5"),
    (v.parse_ulimit, ("as=1",), "invalid ulimit type: as"),
    (v.parse_ulimit, ("NOFILE=1",), "invalid ulimit type: NOFILE"),
    (v.parse_ulimit, ("nofile=1:2:3",), "too many limit value arguments - 1:2:3"),
    (v.parse_ulimit, ("nofile",), "invalid ulimit argument: nofile"),
    (v.parse_ulimit, ("nofile=x",), 'strconv.ParseInt: parsing "x": invalid syntax'),
    (v.parse_ulimit, ("nofile=",), "invalid syntax"),
    # --gpus
    (v.parse_gpus, ("count=2,count=3",), "gpu request key 'count' can be specified only once"),
    (v.parse_gpus, ("2,count=3",), "can be specified only once"),
    (v.parse_gpus, ("foo=1",), "unexpected key 'foo' in 'foo=1'"),
    (v.parse_gpus, ("x",), 'invalid count (x): value must be either "all" or an integer'),
    (v.parse_gpus, ("count=many",), "invalid count (many)"),
    (v.parse_gpus, ("",), "EOF"),
    # --security-opt
    (v.parse_security_opt, ("foo",), 'Invalid --security-opt: "foo"'),
    (v.parse_security_opt, ("seccomp=",), "Invalid --security-opt"),
    (v.parse_security_opt, ("foo=bar",), 'invalid --security-opt: "foo=bar"'),
    (v.parse_security_opt, ("no-new-privileges=maybe",), "takes true or false"),
    (v.parse_security_opt, ("no-new-privileges=",), "takes true or false"),
    (v.parse_security_opt, ("label=foo",), 'bad label option "foo"'),
    (v.parse_security_opt, ("systempaths:unconfined",), "invalid --security-opt"),
    (v.parse_security_opt, ("systempaths=masked",), "invalid --security-opt"),
    # capabilities
    (v.parse_cap, ("FOO",), 'unknown capability: "CAP_FOO"'),
    (v.parse_cap, ("",), "unknown capability"),
    (v.parse_cap, ("CAP_",), "unknown capability"),
    # devices
    (v.parse_device, ("/dev/a:/b:rx",), "bad mode specified: rx"),
    (v.parse_device, ("/dev/a:/b:rr",), "bad mode specified: rr"),
    (v.parse_device, ("a",), "a is not an absolute path"),
    (v.parse_device, ("/dev/a:b",), "b is not an absolute path"),
    (v.parse_device, ("/dev/a:rx",), "rx is not an absolute path"),
    (v.parse_device, ("",), "bad format for path"),
    (v.parse_device, (":/dev/a",), "bad format for path"),
    (v.parse_device, ("/a:/b:r:x",), "bad format for path"),
    (v.parse_device_cgroup_rule, ("x",), "invalid device cgroup format 'x'"),
    (v.parse_device_cgroup_rule, ("c 42:* rwmw",), "invalid device cgroup format"),
    (v.parse_device_cgroup_rule, ("d 1:1 r",), "invalid device cgroup format"),
    (v.parse_weight_device, ("/dev/a:5",), "invalid weight for device: /dev/a:5"),
    (v.parse_weight_device, ("/dev/a:2000",), "invalid weight for device"),
    (v.parse_weight_device, ("/dev/a:x",), "invalid weight for device"),
    (v.parse_weight_device, ("/dev/a",), "bad format: /dev/a"),
    (v.parse_weight_device, ("sda:500",), "bad format for device path"),
    (v.parse_throttle_bps_device, ("/dev/a:1x",), "invalid rate for device: /dev/a:1x"),
    (v.parse_throttle_bps_device, ("/dev/a:-1",), "invalid rate for device"),
    (v.parse_throttle_bps_device, ("/dev/a",), "bad format"),
    (v.parse_throttle_bps_device, ("sda:1mb",), "bad format for device path"),
    (v.parse_throttle_iops_device, ("/dev/a:1.5",), "invalid rate for device: /dev/a:1.5"),
    (v.parse_throttle_iops_device, ("/dev/a:-1",), "invalid rate for device"),
    # platform
    (v.parse_platform, ("linux/a b",), "error parsing specified platform"),
    (v.parse_platform, ("foo",), "unknown operating system or architecture"),
    (v.parse_platform, ("linux/*",), "error parsing specified platform"),
    (v.parse_platform, ("a/b/c/d",), "error parsing specified platform"),
    (v.parse_platform, ("",), "error parsing specified platform"),
    (v.parse_platform, ("linux//v7",), "error parsing specified platform"),
    # signals
    (v.parse_signal, ("FOO",), "invalid signal: FOO"),
    (v.parse_signal, ("0",), "invalid signal: 0"),
    (v.parse_signal, ("",), "invalid signal"),
    (v.parse_signal, ("SIGRTMIN+16",), "invalid signal"),
]


def _case_id(case: tuple[Callable[..., Any], tuple[Any, ...], Any]) -> str:
    return f"{case[0].__name__}{case[1]!r}"


@pytest.mark.parametrize("case", ACCEPTED, ids=_case_id)
def test_accepted(case: tuple[Callable[..., Any], tuple[Any, ...], Any]) -> None:
    fn, args, expected = case
    assert fn(*args) == expected


@pytest.mark.parametrize("case", REJECTED, ids=_case_id)
def test_rejected(case: tuple[Callable[..., Any], tuple[Any, ...], str]) -> None:
    fn, args, fragment = case
    with pytest.raises(ValueError) as info:
        fn(*args)
    assert fragment in str(info.value)


# --- env and label files -------------------------------------------------------------------------

ENV_FILE = """\ufeff# a comment
FOO=bar

  INDENTED=1
\tTABBED=x
QUOTED="not stripped"
TRAILING=space\x20\x20
EMPTY=
BARE
URL=postgres://u:p@h/db
   # indented comment
WIN=crlf\r
EQ=a=b
"""


def test_env_file_rules() -> None:
    assert v.parse_env_file(ENV_FILE, "app.env") == [
        (2, "FOO", "bar"),
        (4, "INDENTED", "1"),
        (5, "TABBED", "x"),
        (6, "QUOTED", '"not stripped"'),
        (7, "TRAILING", "space  "),
        (8, "EMPTY", ""),
        (9, "BARE", None),
        (10, "URL", "postgres://u:p@h/db"),
        (12, "WIN", "crlf"),
        (13, "EQ", "a=b"),
    ]


def test_env_file_empty() -> None:
    assert v.parse_env_file("", "e") == []
    assert v.parse_env_file("\n\n# only comments\n", "e") == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("A=1\nB C=2\n", "invalid env file (x.env): variable 'B C' contains whitespaces on line 2"),
        ("A\tB\n", "variable 'A\tB' contains whitespaces on line 1"),
        ("A B\n", "variable 'A B' contains whitespaces"),
        ("A=1\n=secret\n", "no variable name on line 2"),
        ("A=\udcff\n", "invalid utf8 bytes at line 1"),
    ],
)
def test_env_file_rejected(text: str, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        v.parse_env_file(text, "x.env")
    assert fragment in str(info.value)
    assert "secret" not in str(info.value)


def test_label_file() -> None:
    text = "# labels\ncom.example.a=1\n  b=two words\nbare\nc=\n"
    assert v.parse_label_file(text, "l") == [(2, "com.example.a", "1"), (3, "b", "two words"), (5, "c", "")]
    with pytest.raises(ValueError, match="invalid label file \\(l\\): variable 'a b' contains whitespaces"):
        v.parse_label_file("a b=1\n", "l")


# --- secrets never leak into messages ------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "value"),
    [
        (v.parse_env, "=hunter2"),
        (v.parse_label, "=hunter2"),
        (v.parse_log_opt, "=hunter2"),
    ],
)
def test_messages_hide_values(fn: Callable[[str], Any], value: str) -> None:
    with pytest.raises(ValueError) as info:
        fn(value)
    assert "hunter2" not in str(info.value)


def test_env_file_messages_hide_values() -> None:
    with pytest.raises(ValueError) as info:
        v.parse_env_file("PASSWORD=hunter2\n=hunter2\n", "s.env")
    assert "hunter2" not in str(info.value)


# --- small helpers -------------------------------------------------------------------------------


def test_split_csv() -> None:
    assert v.split_csv("a,b") == ["a", "b"]
    assert v.split_csv('"a,b",c') == ["a,b", "c"]
    assert v.split_csv('a,"b""c"') == ["a", 'b"c']
    assert v.split_csv("a,") == ["a", ""]
    assert v.split_csv(",") == ["", ""]
    assert v.split_csv('""') == [""]


def test_gpu_request_all() -> None:
    assert v.parse_gpus("all")["all"]
    assert not v.parse_gpus("1")["all"]


def test_publish_random_host_ports_keep_ip_family() -> None:
    ports = v.parse_publish("[::1]::8000-8001/udp")
    assert ports == [Port(8000, "udp", True, None, "::1"), Port(8001, "udp", True, None, "::1")]


def test_mount_csv_errors_match_docker_columns() -> None:
    with pytest.raises(ValueError, match='column 15: bare " in non-quoted-field'):
        v.parse_mount('type=bind,src="/a""b",dst=/x')
    with pytest.raises(ValueError, match="invalid field '' must be a key=value pair"):
        v.parse_mount("type=bind,src=/a,dst=/x,")


def test_ulimit_unlimited_soft_needs_unlimited_hard() -> None:
    with pytest.raises(ValueError, match="soft: -1 \\(unlimited\\), hard: 5"):
        v.parse_ulimit("nofile=-1:5")
