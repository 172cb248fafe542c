"""d2k's own unix-socket Engine API client: the same payloads as the SDK, the same errors, counted calls."""

from __future__ import annotations

import io
import os
import socket
import tarfile
import threading
from pathlib import Path
from typing import Any

import pytest

from d2k.errors import EngineError
from d2k.parsers import engine as reader
from d2k.parsers.engine import read_engine
from d2k.parsers.engine_http import APIError, NotFound, SocketClient


def _engine_socket() -> str:
    host = os.environ.get("DOCKER_HOST", "")
    assert host.startswith("unix://"), "the test engine listens on a unix socket"
    return host.removeprefix("unix://")


# --------------------------------------------------------------------------- which client, for which address


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DOCKER_HOST": "unix:///run/x.sock"}, "/run/x.sock"),
        ({"DOCKER_HOST": "unix:///run/x.sock", "DOCKER_TLS_VERIFY": "1"}, None),
        ({"DOCKER_HOST": "tcp://10.0.0.1:2376"}, None),
        ({"DOCKER_HOST": "ssh://me@host"}, None),
        ({"DOCKER_CONTEXT": "remote"}, None),
        ({"DOCKER_CONTEXT": "default"}, "/var/run/docker.sock"),
        ({}, "/var/run/docker.sock"),
    ],
)
def test_local_socket_only_for_a_plain_unix_socket(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], expected: str | None
) -> None:
    for name in ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CONTEXT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert reader._local_socket() == expected


def test_the_cli_current_context_sends_d2k_to_the_sdk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CONTEXT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    (tmp_path / "config.json").write_text('{"currentContext": "colima"}')
    assert reader._local_socket() is None
    (tmp_path / "config.json").write_text('{"currentContext": "default"}')
    assert reader._local_socket() == "/var/run/docker.sock"


def test_a_missing_socket_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "docker.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{missing}")
    monkeypatch.delenv("DOCKER_TLS_VERIFY", raising=False)
    with pytest.raises(EngineError) as caught:
        reader.connect()
    assert f"no Docker engine at unix://{missing}: the socket does not exist" in str(caught.value)


# --------------------------------------------------------------------------- HTTP framing, on a socketpair


class _Server:
    """Answers each request read from one end of a socketpair with the next canned answer."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.requests: list[bytes] = []

    def serve(self, conn: socket.socket) -> None:
        with conn:
            for answer in self.answers:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                self.requests.append(data)
                if answer == b"CLOSE":
                    return
                conn.sendall(answer)


@pytest.fixture
def served() -> Any:
    """A SocketClient whose connections are socketpairs, each answered by the next _Server."""

    def make(*connections: list[bytes]) -> tuple[SocketClient, list[_Server]]:
        servers = [_Server(answers) for answers in connections]
        queue = list(servers)

        class Served(SocketClient):
            def _open(self) -> socket.socket:
                ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
                threading.Thread(target=queue.pop(0).serve, args=(theirs,), daemon=True).start()
                return ours

        return Served("/fake.sock"), servers

    return make


_PING = b"HTTP/1.1 200 OK\r\nApi-Version: 1.43\r\nContent-Length: 2\r\n\r\nOK"


def test_content_length_and_chunked_bodies_on_one_kept_connection(served: Any) -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[{\"a\r\n5\r\n\": 1}\r\n1\r\n]\r\n0\r\n\r\n"
    client, servers = served([_PING, chunked, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"])
    assert client._prefix == "/v1.43"
    assert client.containers(all=True) == [{"a": 1}]
    assert client.inspect_image("sha256:ab/c") == {}
    requests = servers[0].requests
    assert len(requests) == 3 and client.requests == 3  # one connection, kept alive
    assert requests[1].startswith(b"GET /v1.43/containers/json?all=1 HTTP/1.1\r\n")
    assert requests[2].startswith(b"GET /v1.43/images/sha256%3Aab%2Fc/json HTTP/1.1\r\n")


def test_a_newer_engine_is_spoken_to_in_d2ks_newest_version(served: Any) -> None:
    client, _ = served([b"HTTP/1.1 200 OK\r\nApi-Version: 1.99\r\nContent-Length: 2\r\n\r\nOK"])
    assert client._prefix == "/v1.47"


def test_a_kept_connection_the_engine_closed_is_opened_again(served: Any) -> None:
    client, servers = served([_PING, b"CLOSE"], [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]"])
    assert client.containers() == []
    assert [len(s.requests) for s in servers] == [2, 1]


def test_errors_are_shaped_like_the_sdks(served: Any) -> None:
    body = b'{"message":"No such container: x"}'
    answer = b"HTTP/1.1 404 Not Found\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    client, _ = served([_PING, answer])
    with pytest.raises(APIError) as caught:
        client.inspect_container("x")
    assert caught.value.response.status_code == 404 and caught.value.explanation == "No such container: x"
    assert reader._is_not_found(caught.value)


# --------------------------------------------------------------------------- the real engine


@pytest.mark.engine
def test_payloads_equal_the_sdks(engine: Any, made: Any, stand_in_images: dict[str, str]) -> None:
    p = made.prefix
    made.create("redis", f"{p}-a", labels={"d2k.test": p})
    client = SocketClient(_engine_socket())
    filters = {"label": [f"d2k.test={p}"]}
    listed = client.containers(all=True, filters=filters)
    assert listed == engine.containers(all=True, filters=filters) and len(listed) == 1
    assert client.inspect_container(listed[0]["Id"]) == engine.inspect_container(listed[0]["Id"])
    assert client.inspect_image(listed[0]["ImageID"]) == engine.inspect_image(listed[0]["ImageID"])
    with pytest.raises(APIError) as caught:
        client.inspect_container(f"{p}-absent")
    assert caught.value.response.status_code == 404 and f"{p}-absent" in caught.value.explanation
    # the archive endpoint (from-running reads /etc/passwd with it): the same tar and stat as the SDK's
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = 6
        tar.addfile(info, io.BytesIO(b"hello\n"))
    engine.put_archive(listed[0]["Id"], "/", data.getvalue())
    chunks, stat = client.get_archive(listed[0]["Id"], "/hello.txt")
    sdk_stream, sdk_stat = engine.get_archive(listed[0]["Id"], "/hello.txt")
    assert b"".join(chunks) == b"".join(sdk_stream) and stat == sdk_stat and stat["size"] == 6
    with pytest.raises(NotFound):
        client.get_archive(listed[0]["Id"], "/no/such/file")
    client.close()


class _CountingProxy:
    """A unix socket in front of the engine's that counts the HTTP requests passing through it."""

    def __init__(self, target: str, path: str) -> None:
        self.target, self.path = target, path
        self.request_lines: list[bytes] = []
        self.lock = threading.Lock()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            threading.Thread(target=self._pipe, args=(conn, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, conn, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, requests: bool) -> None:
        try:
            while data := source.recv(1 << 16):
                if requests:  # d2k sends GETs without bodies: each request starts a line with its method
                    with self.lock:
                        self.request_lines += [line for line in data.split(b"\r\n") if line.startswith(b"GET ")]
                sink.sendall(data)
        except OSError:
            pass
        finally:
            sink.close()

    def close(self) -> None:
        self.listener.close()


@pytest.mark.engine
def test_read_engine_over_its_own_client_makes_one_plus_n_plus_images_calls(
    engine: Any, made: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    p = made.prefix
    for i in range(20):
        made.create("redis" if i % 2 else "postgres:15-alpine", f"{p}-{i:02d}", labels={"d2k.test": p})
    proxy = _CountingProxy(_engine_socket(), str(tmp_path / "proxy.sock"))
    monkeypatch.setenv("DOCKER_HOST", f"unix://{proxy.path}")
    monkeypatch.delenv("DOCKER_TLS_VERIFY", raising=False)
    try:
        result = read_engine(all=True, filters={"label": [f"d2k.test={p}"]})
    finally:
        proxy.close()
    assert len(result.containers) == 20
    lines = proxy.request_lines
    assert len(lines) == 1 + 1 + 20 + 2 == result.api_calls  # ping, list, one per container and per image
    assert lines[0].startswith(b"GET /_ping ")
    assert sum(b"/containers/json?" in line for line in lines) == 1
    assert sum(b"/images/" in line for line in lines) == 2
