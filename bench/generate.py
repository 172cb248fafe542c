"""Deterministic `docker run` lines for the throughput bench: a seeded, realistic mix of flags.

The mix follows what real scripts hold: most containers publish or expose a port and set some
environment (a few credentials, which become Secrets); many link to an earlier container or
share a user network, mount a named volume or a bind, carry a healthcheck and resource limits.
Names, host ports and volume names are unique, so every line is a valid, distinct container and
the conversion's cost grows only with the input, as it does for real input. Host ports are handed
out in order from 10000, so even 100,000 lines (about 41,000 published ports) stay below 65536.

    python bench/generate.py 1000 > lines.sh          # seed 6 unless --seed
"""

from __future__ import annotations

import argparse
import random
import shlex
import sys

IMAGES = (
    ("redis:7", 6379),
    ("postgres:15-alpine", 5432),
    ("mysql:8.0", 3306),
    ("nginx:1.25", 80),
    ("httpd:2.4", 80),
    ("rabbitmq:3-management", 5672),
    ("mongo:7", 27017),
    ("memcached:1.6", 11211),
    ("grafana/grafana:10.2.0", 3000),
    ("example.com/shop/api:1.4.2", 8080),
    ("ghcr.io/acme/worker:2024.05", 0),
    ("dockersamples/examplevotingapp_vote", 80),
)
ENV_NAMES = ("LOG_LEVEL", "APP_ENV", "TZ", "WORKERS", "FEATURE_FLAGS", "CACHE_TTL", "REGION", "HTTP_PORT")
SECRET_NAMES = ("DB_PASSWORD", "API_TOKEN", "SECRET_KEY")
NETWORKS = ("frontend", "backend", "data")
FIRST_HOST_PORT = 10000
HEALTH = (
    ("curl -fsS http://localhost:{port}/health || exit 1", "10s", "3s", 3),
    ("nc -z localhost {port}", "15s", "5s", 5),
    ("pgrep -f app", "30s", "10s", 2),
)


def generate(count: int, seed: int = 6) -> list[str]:
    """`count` docker run lines, the same ones for the same (count, seed)."""
    rng = random.Random(seed)
    lines: list[str] = []
    reachable: list[str] = []  # containers whose ports are known from their line: link targets
    next_host_port = FIRST_HOST_PORT
    for i in range(count):
        image, port = IMAGES[rng.randrange(len(IMAGES))]
        name = f"svc-{i:05d}"
        words = ["docker", "run", "-d", f"--name={name}"]
        if rng.random() < 0.5:
            words += ["--restart", rng.choice(("unless-stopped", "always", "on-failure:3"))]
        if port and rng.random() < 0.45:
            if next_host_port > 65535:
                raise ValueError(f"{count} lines publish more host ports than one engine has")
            words += ["-p", f"{next_host_port}:{port}"]  # unique host ports, as one engine requires
            next_host_port += 1
            reachable.append(name)
        elif port and rng.random() < 0.3:
            words += ["--expose", str(port)]
            reachable.append(name)
        for env in rng.sample(ENV_NAMES, rng.randrange(0, 4)):
            words += ["-e", f"{env}={_value(rng, env)}"]
        if rng.random() < 0.25:
            words += ["--env", f"{rng.choice(SECRET_NAMES)}={rng.getrandbits(48):012x}"]
        targets = [n for n in reachable[-50:] if n != name]  # recent ones, as scripts are written
        if targets and rng.random() < 0.35:
            target = rng.choice(targets)
            words += ["--link", f"{target}:{target}-link"]
        elif rng.random() < 0.3:
            words += ["--network", rng.choice(NETWORKS)]
        if rng.random() < 0.35:
            words += ["-v", f"data-{i:05d}:/var/lib/app"]
        if rng.random() < 0.15:
            words += ["-v", f"/srv/app/{name}/config:/etc/app:ro"]
        if rng.random() < 0.3:
            cmd, interval, timeout, retries = rng.choice(HEALTH)
            words += [
                "--health-cmd", cmd.format(port=port or 8080),
                "--health-interval", interval, "--health-timeout", timeout, "--health-retries", str(retries),
            ]
        if rng.random() < 0.5:
            words += ["--memory", rng.choice(("128m", "256m", "512m", "1g")), "--cpus", rng.choice(("0.25", "0.5", "1", "2"))]
        if rng.random() < 0.2:
            words += ["-l", f"team={rng.choice(('shop', 'data', 'web'))}", "-l", f"tier={rng.choice(('front', 'back'))}"]
        words.append(image)
        if not port and rng.random() < 0.5:
            words += ["worker", "--queue", rng.choice(("default", "mail", "reports"))]
        lines.append(shlex.join(words))
    return lines


def _value(rng: random.Random, env: str) -> str:
    return {
        "LOG_LEVEL": rng.choice(("debug", "info", "warning")),
        "APP_ENV": rng.choice(("production", "staging")),
        "TZ": rng.choice(("UTC", "Europe/Berlin", "America/New_York")),
        "WORKERS": str(rng.randrange(1, 9)),
        "FEATURE_FLAGS": ",".join(rng.sample(("search", "beta", "cache", "audit"), 2)),
        "CACHE_TTL": str(rng.choice((60, 300, 3600))),
        "REGION": rng.choice(("eu-west-1", "us-east-1")),
        "HTTP_PORT": "8080",
    }[env]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    sys.stdout.write("\n".join(generate(args.count, args.seed)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
