"""Build the stand-in images d2k's engine tests run: never pulled, built FROM scratch around busybox.

Each stand-in carries the runtime config (ENV, EXPOSE, CMD, ENTRYPOINT, VOLUME, WORKDIR, LABEL,
STOPSIGNAL, HEALTHCHECK) of the real image it replaces, so the tests can check that d2k tells image
defaults from what the user set. The build context is assembled in memory (Dockerfiles from
tests/engine/images/, /bin/busybox from busybox-static, its applets as symlinks) and sent to the
engine's classic builder through the low-level API, so no RUN step and no registry are needed.

    python tests/engine/images.py          # builds whatever is missing on $DOCKER_HOST
    python tests/engine/images.py --force  # rebuilds all of them
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent / "images"

# tag -> Dockerfile (in tests/engine/images/)
STAND_INS: dict[str, str] = {
    "redis:latest": "redis.Dockerfile",
    "postgres:15-alpine": "postgres.Dockerfile",
    "dockersamples/examplevotingapp_vote:latest": "vote.Dockerfile",
    "dockersamples/examplevotingapp_result:latest": "result.Dockerfile",
    "dockersamples/examplevotingapp_worker:latest": "worker.Dockerfile",
    "d2k-test/defaults:1": "defaults.Dockerfile",
    "nginx:stand-in": "nginx.Dockerfile",
}
# Files of the nginx stand-in (tests/engine/images/nginx/), copied into it by nginx.Dockerfile
NGINX_FILES = HERE / "nginx"

# Programs the images' ENTRYPOINT/CMD name; each is the idling stand-in script.
PROGRAMS = (
    "usr/local/bin/docker-entrypoint.sh",
    "usr/local/bin/redis-server",
    "usr/local/bin/postgres",
    "usr/local/bin/gunicorn",
    "usr/local/bin/node",
    "usr/local/bin/dotnet",
    "usr/local/bin/stand-in",
    "usr/bin/tini",
    "usr/sbin/nginx",
    "docker-entrypoint.sh",
)
DIRECTORIES = ("data", "tmp", "var/lib/postgresql/data", "srv/app", "srv/cache", "usr/local/app", "app")
BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")


def find_busybox() -> Path:
    """A static busybox: the only binary the stand-ins contain (apt-get install busybox-static)."""
    for candidate in (os.environ.get("D2K_BUSYBOX", ""), *BUSYBOX_CANDIDATES, shutil.which("busybox") or ""):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise RuntimeError("no busybox found: apt-get install busybox-static (or set D2K_BUSYBOX)")


def applets(busybox: Path) -> list[str]:
    out = subprocess.run([str(busybox), "--list"], check=True, capture_output=True, text=True).stdout
    return sorted({name for name in out.split() if name and "/" not in name and name != "busybox"})


def build_context(busybox: Path | None = None) -> bytes:
    """The whole build context as a tar: Dockerfiles plus rootfs/ (busybox, applet links, stand-ins)."""
    busybox = busybox or find_busybox()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:

        def add_file(name: str, data: bytes, mode: int = 0o644) -> None:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 0
            tar.addfile(info, io.BytesIO(data))

        def add_dir(name: str) -> None:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
            tar.addfile(info)

        for dockerfile in sorted(set(STAND_INS.values())):
            add_file(dockerfile, (HERE / dockerfile).read_bytes())
        add_dir("rootfs")
        for directory in (
            "bin",
            "usr",
            "usr/bin",
            "usr/local",
            "usr/local/bin",
            "usr/sbin",
            "var",
            "var/lib",
            "var/lib/postgresql",
            "srv",
            *DIRECTORIES,
        ):
            add_dir(f"rootfs/{directory}")
        add_file("rootfs/bin/busybox", busybox.read_bytes(), 0o755)
        for applet in applets(busybox):
            link = tarfile.TarInfo(f"rootfs/bin/{applet}")
            link.type, link.linkname, link.mode, link.mtime = tarfile.SYMTYPE, "busybox", 0o777, 0
            tar.addfile(link)
        script = (HERE / "stand-in.sh").read_bytes()
        for program in PROGRAMS:
            add_file(f"rootfs/{program}", script, 0o755)
        for path in sorted(NGINX_FILES.rglob("*")):
            relative = path.relative_to(NGINX_FILES).as_posix()
            info = tarfile.TarInfo(f"nginx/{relative}")
            info.mtime = 0
            if path.is_dir():
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                data = path.read_bytes()
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def missing(client: Any) -> list[str]:
    """Stand-in tags the engine does not have yet."""
    present = {tag for image in client.images() for tag in image.get("RepoTags") or ()}
    return [tag for tag in STAND_INS if tag not in present]


def build(client: Any, tags: list[str] | None = None, *, force: bool = False) -> dict[str, str]:
    """Build the stand-ins (only the missing ones unless force); returns tag -> image id."""
    todo = list(STAND_INS) if force else missing(client) if tags is None else tags
    context = build_context() if todo else b""
    built: dict[str, str] = {}
    for tag in todo:
        stream = client.build(
            fileobj=io.BytesIO(context),
            custom_context=True,
            dockerfile=STAND_INS[tag],
            tag=tag,
            rm=True,
            forcerm=True,
            pull=False,
            decode=True,
        )
        log: list[str] = []
        for chunk in stream:
            if "error" in chunk:
                raise RuntimeError(f"building {tag} failed: {chunk['error'].strip()}\n{''.join(log)}")
            log.append(chunk.get("stream", ""))
        built[tag] = client.inspect_image(tag)["Id"]
    return built


def ensure(client: Any) -> None:
    """Make sure every stand-in exists; cheap when they all do (one images list call)."""
    todo = missing(client)
    if todo:
        build(client, todo)


def main(argv: list[str] | None = None) -> int:
    import docker

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild every stand-in")
    args = parser.parse_args(argv)
    client = docker.APIClient(**docker.utils.kwargs_from_env(), version="auto")
    for tag, image_id in build(client, force=args.force).items():
        print(f"{tag}\t{image_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
