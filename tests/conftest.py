"""Shared fixtures: the real Docker engine named by DOCKER_HOST, its stand-in images, and cleanup by id.

Engine tests never mock the engine. Without one they skip with the reason, except when
D2K_REQUIRE_ENGINE=1 (CI), where a missing engine fails them: a green CI run means they ran.
Start a private engine with `eval "$(tests/engine/engine.sh start)"`; DOCKER_HOST must name it
explicitly, so the tests never touch a developer's own engine by accident.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import pytest

ENGINE_DIR = Path(__file__).resolve().parent / "engine"


def engine_required() -> bool:
    return os.environ.get("D2K_REQUIRE_ENGINE") == "1"


def no_engine(reason: str) -> NoReturn:
    """Skip, or fail when CI requires the engine tests to run."""
    if engine_required():
        pytest.fail(f"{reason} (D2K_REQUIRE_ENGINE=1 requires the engine tests to run)", pytrace=False)
    pytest.skip(reason)


def load_images_module() -> ModuleType:
    """tests/engine/images.py, loaded by path (tests/ is not a package)."""
    spec = importlib.util.spec_from_file_location("d2k_test_images", ENGINE_DIR / "images.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def engine() -> Iterator[Any]:
    """A docker.APIClient to the engine DOCKER_HOST names (skip/fail when there is none)."""
    host = os.environ.get("DOCKER_HOST", "")
    if not host:
        no_engine(
            'no Docker engine: DOCKER_HOST is not set (start one: eval "$(tests/engine/engine.sh start)")'
        )
    try:
        import docker
    except ImportError:
        no_engine("the docker SDK is not installed (pip install docker)")
    try:
        client = docker.APIClient(version="auto", timeout=120, **docker.utils.kwargs_from_env())
        client.ping()
    except Exception as exc:
        no_engine(f"cannot reach the Docker engine at {host}: {exc}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def stand_in_images(engine: Any) -> dict[str, str]:
    """Every stand-in image exists on the engine (built FROM scratch around busybox, never pulled)."""
    images = load_images_module()
    try:
        images.ensure(engine)
    except RuntimeError as exc:  # no busybox on this machine
        no_engine(f"cannot build the stand-in images: {exc}")
    return dict(images.STAND_INS)


@pytest.fixture(scope="session")
def docker_cli(engine: Any) -> str:
    """The docker CLI, for running documented `docker run` lines verbatim."""
    path = shutil.which("docker")
    if path is None:
        no_engine("the docker CLI is not installed")
    return str(path)


class Made:
    """What one test made on the engine, removed by id afterwards (never by name or in bulk)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.prefix = f"d2kt-{uuid.uuid4().hex[:8]}"
        self.containers: list[str] = []
        self.networks: list[str] = []
        self.volumes: list[str] = []

    def docker(self, line: str) -> str:
        """Run a docker CLI line verbatim (e.g. `docker run -d --name=redis redis`); returns stdout."""
        words = shlex.split(line)
        assert words[0] == "docker", line
        done = subprocess.run(words, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise AssertionError(f"`{line}` failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout.strip()

    def run(self, line: str) -> str:
        """`docker run -d ...` / `docker create ...`; tracks and returns the new container's id."""
        container_id = self.docker(line).splitlines()[-1]
        self.containers.append(container_id)
        return container_id

    def create(self, image: str, name: str, **kwargs: Any) -> str:
        """Create (not start) a container through the API; tracks and returns its id."""
        container_id = str(self.client.create_container(image, name=name, **kwargs)["Id"])
        self.containers.append(container_id)
        return container_id

    def network(self, name: str) -> str:
        network_id = str(self.client.create_network(name)["Id"])
        self.networks.append(network_id)
        return network_id

    def volume(self, name: str) -> str:
        volume_name = str(self.client.create_volume(name)["Name"])
        self.volumes.append(volume_name)
        return volume_name

    def cleanup(self) -> None:
        import docker

        errors: list[str] = []
        steps = (
            [
                (self.client.remove_container, cid, {"force": True, "v": True})
                for cid in reversed(self.containers)
            ]
            + [(self.client.remove_network, nid, {}) for nid in reversed(self.networks)]
            + [(self.client.remove_volume, name, {"force": True}) for name in reversed(self.volumes)]
        )
        for remove, ident, kwargs in steps:
            try:
                remove(ident, **kwargs)
            except docker.errors.NotFound:
                pass
            except Exception as exc:  # keep removing the rest, report at the end
                errors.append(f"{ident}: {exc}")
        if errors:
            raise AssertionError("cleanup failed: " + "; ".join(errors))


@pytest.fixture
def made(engine: Any, stand_in_images: dict[str, str]) -> Iterator[Made]:
    """Tracks the containers, networks and volumes a test makes and removes them by id after it."""
    tracker = Made(engine)
    yield tracker
    tracker.cleanup()


def _hypothesis_profiles() -> None:
    """CI runs the same examples every time (a red CI is reproducible); developers' runs keep exploring."""
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("ci")


_hypothesis_profiles()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/*/ from the current output (review the diff before committing)",
    )


def _cluster_tool(name: str) -> str:
    """kubectl or helm: on PATH or where tests/run.sh installs them; skip without, fail in CI."""
    tools = os.environ.get("D2K_TOOLS", str(Path.home() / ".cache" / "d2k" / "tools" / "bin"))
    found = shutil.which(name) or shutil.which(name, path=tools)
    if found:
        return found
    reason = f"{name} is not installed (tests/run.sh installs it into {tools})"
    if os.environ.get("D2K_REQUIRE_TOOLS") == "1" or os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI requires the Kustomize and Helm tests to run", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def kubectl() -> str:
    """kubectl, for `kubectl kustomize` on what --out and --kustomize write."""
    return _cluster_tool("kubectl")


@pytest.fixture(scope="session")
def helm() -> str:
    """helm 3, for `helm lint --strict` and `helm template` on what --helm writes."""
    return _cluster_tool("helm")
