#!/usr/bin/env bash
# A private Docker engine for d2k's engine tests: its own data root, its own socket,
# published ports on loopback only, and every image pull refused (the proxy is a closed port).
#
#   eval "$(tests/engine/engine.sh start)"   # prints `export DOCKER_HOST=...` (and D2K_ENGINE_ROOT)
#   tests/engine/engine.sh stop              # kills that engine by its pidfile and removes its root
#
# The state file (default /tmp/d2k-engine.state, override with D2K_ENGINE_STATE) remembers the
# root so `stop` finds the engine again. Extra dockerd flags may be given in D2K_DOCKERD_FLAGS.
set -euo pipefail

state=${D2K_ENGINE_STATE:-/tmp/d2k-engine.state}
dockerd_bin=${DOCKERD:-$(command -v dockerd || echo /usr/sbin/dockerd)}

die() { echo "engine.sh: $*" >&2; exit 1; }

ready() {
    # The socket answers /_ping with OK once the daemon serves the API.
    local sock=$1
    if command -v curl >/dev/null 2>&1; then
        curl -fsS --max-time 2 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1
    else
        DOCKER_HOST="unix://$sock" docker version >/dev/null 2>&1
    fi
}

start() {
    if [ -f "$state" ]; then
        # shellcheck disable=SC1090
        . "$state"
        if [ -n "${D2K_ENGINE_ROOT:-}" ] && [ -f "$D2K_ENGINE_ROOT/pid" ] \
            && kill -0 "$(cat "$D2K_ENGINE_ROOT/pid")" 2>/dev/null && ready "$D2K_ENGINE_ROOT/docker.sock"; then
            echo "export DOCKER_HOST=unix://$D2K_ENGINE_ROOT/docker.sock"
            echo "export D2K_ENGINE_ROOT=$D2K_ENGINE_ROOT"
            return 0
        fi
    fi
    [ -x "$dockerd_bin" ] || die "dockerd not found (apt-get install docker.io)"
    local root
    root=$(mktemp -d -t d2k-engine.XXXXXX)
    # shellcheck disable=SC2086
    HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY= \
    http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 no_proxy= \
        setsid "$dockerd_bin" --data-root "$root/data" --exec-root "$root/exec" --pidfile "$root/pid" \
        -H "unix://$root/docker.sock" --ip 127.0.0.1 ${D2K_DOCKERD_FLAGS:-} \
        >"$root/log" 2>&1 </dev/null &
    echo "D2K_ENGINE_ROOT=$root" >"$state"
    local i
    for i in $(seq 120); do
        if ready "$root/docker.sock"; then
            echo "export DOCKER_HOST=unix://$root/docker.sock"
            echo "export D2K_ENGINE_ROOT=$root"
            return 0
        fi
        sleep 0.5
    done
    echo "engine.sh: dockerd did not become ready; last lines of $root/log:" >&2
    tail -n 20 "$root/log" >&2 || true
    exit 1
}

stop() {
    [ -f "$state" ] || { echo "engine.sh: no engine recorded in $state" >&2; return 0; }
    # shellcheck disable=SC1090
    . "$state"
    local root=${D2K_ENGINE_ROOT:-}
    [ -n "$root" ] && [ -d "$root" ] || { rm -f "$state"; return 0; }
    if [ -f "$root/pid" ]; then
        local pid i
        pid=$(cat "$root/pid")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for i in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
        fi
    fi
    # dockerd unmounts on exit; anything still mounted under the root is detached before removal.
    { grep -o " $root/[^ ]*" /proc/mounts 2>/dev/null || true; } | sort -r | while read -r m; do
        umount -l "$m" 2>/dev/null || true
    done
    rm -rf "$root"
    rm -f "$state"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
