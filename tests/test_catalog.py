"""The image catalog: data sanity, required images, and Docker-style reference normalisation."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from d2k import catalog
from d2k.catalog import image_ports, image_volumes, known_repositories, normalise_repository

DIGEST = "sha256:" + "a" * 64


def _raw() -> dict:
    return json.loads((resources.files("d2k") / "data" / "images.json").read_text(encoding="utf-8"))


def test_json_loads_with_enough_images() -> None:
    data = _raw()
    assert data["version"] == 1
    assert len(data["images"]) >= 50
    assert len(known_repositories()) == len(data["images"])


def test_every_entry_is_well_formed() -> None:
    for name, entry in _raw()["images"].items():
        assert name == name.strip() and ":" not in name.rsplit("/", 1)[-1], name
        assert normalise_repository(name) == name, name
        assert entry.get("source"), f"{name} has no source"
        specs = list(entry["ports"])
        volumes = list(entry.get("volumes", []))
        for variant in entry.get("variants", {}).values():
            specs += variant.get("ports", [])
            volumes += variant.get("volumes", [])
        for spec in specs:
            number, _, protocol = spec.partition("/")
            assert number.isdigit() and 1 <= int(number) <= 65535, (name, spec)
            assert protocol in {"tcp", "udp", "sctp"}, (name, spec)
        assert len(set(entry["ports"])) == len(entry["ports"]), name
        for path in volumes:
            assert path.startswith("/"), (name, path)


def tcp(*ports: int) -> set[tuple[int, str]]:
    return {(p, "tcp") for p in ports}


REQUIRED = {
    "redis": tcp(6379),
    "postgres": tcp(5432),
    "mysql": tcp(3306, 33060),
    "mariadb": tcp(3306),
    "mongo": tcp(27017),
    "memcached": tcp(11211),
    "rabbitmq": tcp(5672),
    "nginx": tcp(80),
    "httpd": tcp(80),
    "traefik": tcp(80),
    "elasticsearch": tcp(9200, 9300),
    "kibana": tcp(5601),
    "zookeeper": tcp(2181, 2888, 3888, 8080),
    "vault": tcp(8200),
    "hashicorp/vault": tcp(8200),
    "influxdb": tcp(8086),
    "grafana/grafana": tcp(3000),
    "prom/prometheus": tcp(9090),
    "prom/alertmanager": tcp(9093),
    "prom/node-exporter": tcp(9100),
    "jenkins/jenkins": tcp(8080, 50000),
    "sonarqube": tcp(9000),
    "nextcloud": tcp(80),
    "wordpress": tcp(80),
    "ghost": tcp(2368),
    "drupal": tcp(80),
    "joomla": tcp(80),
    "tomcat": tcp(8080),
    "jetty": tcp(8080),
    "cassandra": tcp(7000, 7001, 7199, 9042, 9160),
    "couchdb": tcp(5984, 4369, 9100),
    "neo4j": tcp(7474, 7473, 7687),
    "solr": tcp(8983),
    "registry": tcp(5000),
    "portainer/portainer-ce": tcp(8000, 9000, 9443),
    "minio/minio": tcp(9000),
    "adminer": tcp(8080),
    "phpmyadmin": tcp(80),
    "mongo-express": tcp(8081),
    "redmine": tcp(3000),
    "gitea/gitea": tcp(22, 3000),
    "matomo": tcp(80),
    "odoo": tcp(8069, 8071, 8072),
    "quay.io/keycloak/keycloak": tcp(8080, 8443),
    "eclipse-mosquitto": tcp(1883),
    "nats": tcp(4222, 6222, 8222),
    "percona": tcp(3306),
    "clickhouse/clickhouse-server": tcp(8123, 9000, 9009),
    "kong": tcp(8000, 8001, 8443, 8444),
    "caddy": tcp(80, 443) | {(443, "udp")},
    "varnish": tcp(80),
    "dockersamples/examplevotingapp_vote": tcp(80),
    "dockersamples/examplevotingapp_result": tcp(80),
}


@pytest.mark.parametrize("image", sorted(REQUIRED))
def test_required_image_exposes_at_least(image: str) -> None:
    ports = image_ports(image)
    assert ports is not None, image
    assert REQUIRED[image] <= set(ports), (image, ports)


@pytest.mark.parametrize(
    "image",
    ["haproxy", "node", "python", "golang", "php", "dockersamples/examplevotingapp_worker"],
)
def test_known_images_that_expose_nothing(image: str) -> None:
    assert image_ports(image) == []


def test_consul_keeps_udp_ports() -> None:
    ports = set(image_ports("hashicorp/consul") or [])
    assert {(8500, "tcp"), (8600, "tcp"), (8600, "udp"), (8301, "udp")} <= ports


def test_telegraf_protocols() -> None:
    assert image_ports("telegraf") == [(8125, "udp"), (8092, "udp"), (8094, "tcp")]


def test_unknown_image_is_none() -> None:
    assert image_ports("example/not-in-catalog") is None
    assert image_volumes("example/not-in-catalog") is None
    assert image_ports("localhost:5000/app:1") is None
    assert image_ports("") is None


def test_volumes() -> None:
    assert image_volumes("redis") == ["/data"]
    assert image_volumes("postgres:16") == ["/var/lib/postgresql/data"]
    assert image_volumes("mongo") == ["/data/db", "/data/configdb"]
    assert image_volumes("nginx") == []
    assert image_volumes("jenkins/jenkins:lts") == ["/var/jenkins_home"]


@pytest.mark.parametrize(
    ("reference", "repository"),
    [
        ("redis", "redis"),
        ("redis:7-alpine", "redis"),
        ("redis:latest", "redis"),
        (f"redis@{DIGEST}", "redis"),
        (f"redis:7@{DIGEST}", "redis"),
        ("postgres:15-alpine", "postgres"),
        ("library/redis", "redis"),
        ("docker.io/redis", "redis"),
        ("docker.io/library/redis:7", "redis"),
        ("index.docker.io/library/redis", "redis"),
        ("registry-1.docker.io/library/redis", "redis"),
        ("docker.io/grafana/grafana:10.4.2", "grafana/grafana"),
        ("index.docker.io/grafana/grafana", "grafana/grafana"),
        ("grafana/grafana", "grafana/grafana"),
        ("quay.io/keycloak/keycloak:25.0", "quay.io/keycloak/keycloak"),
        (f"quay.io/keycloak/keycloak@{DIGEST}", "quay.io/keycloak/keycloak"),
        ("localhost:5000/app:1", "localhost:5000/app"),
        ("localhost:5000/app", "localhost:5000/app"),
        (f"localhost:5000/team/app:1.2@{DIGEST}", "localhost:5000/team/app"),
        ("localhost/app", "localhost/app"),
        ("myregistry.example.com/library/redis", "myregistry.example.com/library/redis"),
        ("  redis:7  ", "redis"),
    ],
)
def test_normalise_repository(reference: str, repository: str) -> None:
    assert normalise_repository(reference) == repository


@pytest.mark.parametrize(
    "reference",
    [
        "redis",
        "redis:7-alpine",
        f"redis@{DIGEST}",
        "docker.io/library/redis:7.2",
        "index.docker.io/library/redis",
        "library/redis:6",
    ],
)
def test_lookups_through_any_spelling(reference: str) -> None:
    assert image_ports(reference) == [(6379, "tcp")]


def test_other_registry_is_not_docker_hub() -> None:
    # The same path on another registry is a different image: unknown.
    assert image_ports("myregistry.example.com/redis:7") is None
    assert image_ports("quay.io/redis") is None


def test_tag_variants() -> None:
    plain = set(image_ports("rabbitmq:3.13") or [])
    management = set(image_ports("rabbitmq:3-management-alpine") or [])
    assert (15672, "tcp") not in plain
    assert {(15672, "tcp"), (15671, "tcp"), (5672, "tcp")} <= management
    assert image_ports("rabbitmq:management") == image_ports("docker.io/library/rabbitmq:3.13-management")
    assert image_ports("wordpress:fpm-alpine") == [(9000, "tcp")]
    assert image_ports("wordpress:6-php8.3-apache") == [(80, "tcp")]
    assert image_volumes("wordpress:fpm") == ["/var/www/html"]
    assert image_ports("php:8.3-apache") == [(80, "tcp")]
    assert image_ports("php:8.3-fpm-bookworm") == [(9000, "tcp")]
    assert image_ports("php:8.3-cli") == []
    assert image_ports("docker:27-cli") == []
    assert image_ports("docker:dind") == [(2375, "tcp"), (2376, "tcp")]
    # A digest-only reference has no tag, so the default variant applies.
    assert image_ports(f"rabbitmq@{DIGEST}") == image_ports("rabbitmq")


def test_loading_is_lazy_and_cached() -> None:
    # A fresh interpreter: importing the module must not read the JSON.
    code = "import d2k.catalog as c; assert c._catalog.cache_info().misses == 0"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])
    catalog._catalog.cache_clear()
    catalog._entry_field.cache_clear()  # the per-image answers are cached over the catalog
    image_ports("redis")
    image_ports("nginx")
    info = catalog._catalog.cache_info()
    assert info.misses == 1 and info.hits >= 1
