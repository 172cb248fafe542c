"""The engine reader's fast path: the three Engine API calls d2k makes, as HTTP/1.1 on a unix socket.

`d2k from-running` lists containers, then inspects each container and each distinct image. Through
the Docker SDK every request costs ~1.5 ms of requests/urllib3 and the SDK's import ~120 ms, where
the engine answers in a fraction of that; `docker inspect` is one Go process. On the usual set-up
(a local unix socket, no TLS) this client speaks HTTP/1.1 itself: one kept-alive connection per
thread, Content-Length or chunked bodies, JSON decoded by the standard library. Everything else
(TCP with TLS, SSH, contexts) keeps going through the SDK (d2k.parsers.engine.connect decides).

It offers the same three methods as the SDK's APIClient, and raises errors shaped like the SDK's
(`.response.status_code`, `.explanation`), so the reader does not know which client it has.
"""

from __future__ import annotations

import json
import socket
import threading
from typing import Any
from urllib.parse import quote, urlencode

# The newest Engine API version d2k knows; an older engine is asked in its own version (as the SDK's
# version="auto" does), a newer one answers this version.
MAX_API_VERSION = (1, 47)
_TIMEOUT = 120.0


class _Response:
    def __init__(self, status_code: int) -> None:
        self.status_code = status_code


class APIError(Exception):
    """The engine answered with an error status; shaped like docker.errors.APIError."""

    def __init__(self, status: int, explanation: str) -> None:
        super().__init__(f"{status}: {explanation}")
        self.response = _Response(status)
        self.explanation = explanation


class NotFound(APIError):
    """404: no such container, image or path (the SDK's class of the same name)."""


def _error(status: int, body: bytes) -> APIError:
    try:
        message = str(json.loads(body).get("message") or "")
    except (ValueError, AttributeError):
        message = body.decode("utf-8", "replace").strip()
    return (NotFound if status == 404 else APIError)(status, message or f"HTTP {status}")


class SocketClient:
    """A minimal, thread-safe Engine API client over a unix socket (each thread its own connection)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.base_url = f"unix://{path}"
        self.requests = 0  # requests sent, for the API-call count
        self._local = threading.local()
        self._lock = threading.Lock()
        self._prefix = ""  # /_ping is unversioned
        major, minor = self._negotiate()
        self._prefix = f"/v{major}.{minor}"

    # -- the calls the reader makes (names and arguments as docker.APIClient has them)

    def containers(self, all: bool = False, filters: dict[str, list[str]] | None = None) -> Any:
        query: dict[str, str] = {"all": "1" if all else "0"}
        if filters:
            query["filters"] = json.dumps(filters)
        return self._get_json("/containers/json?" + urlencode(query))

    def inspect_container(self, container: str) -> Any:
        return self._get_json(f"/containers/{quote(container, safe='')}/json")

    def inspect_image(self, image: str) -> Any:
        return self._get_json(f"/images/{quote(image, safe='')}/json")

    def get_archive(self, container: str, path: str) -> tuple[list[bytes], dict[str, Any]]:
        """A tar of one path of a container's filesystem (read-only), and its stat header, as the SDK returns them."""
        query = urlencode({"path": path})
        status, headers, body = self._request(f"{self._prefix}/containers/{quote(container, safe='')}/archive?{query}")
        if status >= 400:
            raise _error(status, body)
        stat: dict[str, Any] = {}
        encoded = headers.get("x-docker-container-path-stat", "")
        if encoded:
            import base64

            stat = json.loads(base64.b64decode(encoded))
        return [body], stat

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- HTTP

    def _negotiate(self) -> tuple[int, int]:
        """The API version to speak: the engine's own (from /_ping), capped at MAX_API_VERSION."""
        status, headers, _body = self._request("/_ping")
        if status != 200:
            raise APIError(status, "the engine did not answer /_ping")
        major, _, minor = headers.get("api-version", "").partition(".")
        if not (major.isdigit() and minor.isdigit()):
            return MAX_API_VERSION
        return min((int(major), int(minor)), MAX_API_VERSION)

    def _get_json(self, path: str) -> Any:
        status, _headers, body = self._request(self._prefix + path)
        if status >= 400:
            raise _error(status, body)
        return json.loads(body)

    def _request(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """GET `path` on this thread's connection; one retry on a fresh connection if a kept one was closed."""
        with self._lock:
            self.requests += 1
        request = f"GET {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: d2k\r\n\r\n".encode("ascii")
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            try:
                conn.sendall(request)
                return self._read_response(conn)
            except (ConnectionError, _Closed):
                conn.close()
        conn = self._open()
        try:
            conn.sendall(request)
            self._local.conn = conn
            return self._read_response(conn)
        except BaseException:
            conn.close()
            self._local.conn = None
            raise

    def _open(self) -> socket.socket:
        """A new connection to the engine's socket."""
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(_TIMEOUT)
        try:
            conn.connect(self.path)
        except BaseException:
            conn.close()
            raise
        return conn

    def _read_response(self, conn: socket.socket) -> tuple[int, dict[str, str], bytes]:
        reader = _Reader(conn)
        status_line = reader.line()
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
            raise ConnectionError(f"not an HTTP answer from {self.base_url}: {status_line[:80]!r}")
        headers: dict[str, str] = {}
        while line := reader.line():
            key, _, value = line.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = reader.chunked()
        elif "content-length" in headers:
            body = reader.exactly(int(headers["content-length"]))
        else:
            body = reader.rest()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            conn.close()
            self._local.conn = None
        return int(parts[1]), headers, body


class _Closed(Exception):
    """A kept-alive connection the engine had closed (answered with nothing)."""


class _Reader:
    """Buffered reads of one HTTP response from a socket."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.buffer = b""
        self.started = False

    def _fill(self) -> None:
        data = self.conn.recv(1 << 16)
        if not data:
            if not self.started:
                raise _Closed()
            raise ConnectionError("the engine closed the connection in the middle of an answer")
        self.started = True
        self.buffer += data

    def line(self) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            self._fill()
        line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
        return line

    def exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.line().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.line():  # trailers, then the blank line
                    pass
                return b"".join(chunks)
            chunks.append(self.exactly(size))
            self.line()

    def rest(self) -> bytes:
        chunks = [self.buffer]
        self.buffer = b""
        while data := self.conn.recv(1 << 16):
            chunks.append(data)
        return b"".join(chunks)
