"""NetworkPolicy and Ingress validation: the API server's rules and the cross-object ones, each able to fail."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from d2k.validate import validate_objects

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
       "spec": {"containers": [{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}]}}
SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 8080, "targetPort": 80}]}}
POLICY = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "web-ingress"},
          "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"],
                   "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                                "ports": [{"port": 80, "protocol": "TCP"}]}]}}
INGRESS = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web"},
           "spec": {"rules": [{"host": "web.example.com", "http": {"paths": [
               {"path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": "web", "port": {"number": 8080}}}}]}}]}}


def problems(obj: dict[str, Any]) -> list[str]:
    return [f"{p.path}: {p.message}" for p in validate_objects([POD, SERVICE, obj])]


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    obj = copy.deepcopy(base)
    *parents, last = path.split(".")
    here: Any = obj
    for key in parents:
        here = here[int(key)] if isinstance(here, list) else here[key]
    if isinstance(here, list):
        here[int(last)] = value
    else:
        here[last] = value
    return obj


def test_the_valid_ones_pass() -> None:
    assert problems(POLICY) == []
    assert problems(INGRESS) == []


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("spec.ingress.0.ports.0.protocol", "ICMP", "spec.ingress[0].ports[0].protocol: Unsupported value"),
        ("spec.ingress.0.ports.0.port", "Not_A_Name", "spec.ingress[0].ports[0].port: Invalid value"),
        ("spec.ingress.0.ports.0", {"port": "http", "endPort": 90}, "endPort: Invalid value: may not be specified"),
        ("spec.ingress.0.from.0", {}, "spec.ingress[0].from[0]: Required value: must specify a peer"),
        ("spec.ingress.0.from.0", {"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}, "more than 1 peer type"),
        ("spec.ingress.0.from.0", {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16"]}}, "strict subset"),
        ("spec.policyTypes", ["Ingress", "Sideways"], "spec.policyTypes[1]: Unsupported value"),
        ("spec.podSelector", {"matchExpressions": [{"key": "app", "operator": "In", "values": []}]},
         "values: Required value"),
        ("spec.podSelector", {"matchLabels": {"app": "db"}}, "spec.podSelector: Not found"),
        ("spec.ingress.0.from.0", {"podSelector": {"matchLabels": {"app": "gone"}}},
         "spec.ingress[0].from[0].podSelector: Not found"),
    ],
)
def test_network_policy_rules(path: str, value: Any, expected: str) -> None:
    found = problems(changed(POLICY, path, value))
    assert any(expected in p for p in found), found


def test_other_namespaces_and_address_blocks_are_not_looked_up() -> None:
    other = changed(POLICY, "spec.ingress.0.from.0",
                    {"namespaceSelector": {"matchLabels": {"team": "x"}}, "podSelector": {"matchLabels": {"a": "b"}}})
    assert problems(other) == []
    block = changed(POLICY, "spec.ingress.0.from.0", {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}})
    assert problems(block) == []


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("spec.rules.0.host", "10.0.0.1", "spec.rules[0].host: Invalid value: '10.0.0.1': must be a DNS name"),
        ("spec.rules.0.host", "Web_Site", "spec.rules[0].host: Invalid value"),
        ("spec.rules.0.http.paths.0.path", "web", "must be an absolute path"),
        ("spec.rules.0.http.paths.0.path", "/a//b", "must not contain"),
        ("spec.rules.0.http.paths.0.pathType", "Regex", "pathType: Unsupported value"),
        ("spec.rules.0.http.paths.0.backend", {"service": {"name": "gone", "port": {"number": 8080}}},
         "service.name: Not found: no Service named 'gone'"),
        ("spec.rules.0.http.paths.0.backend", {"service": {"name": "web", "port": {"number": 80}}},
         "service.port.number: Not found: Service web has no port 80"),
        ("spec.rules.0.http.paths.0.backend", {"service": {"name": "web", "port": {"name": "https"}}},
         "service.port.name: Not found"),
        ("spec.rules.0.http.paths.0.backend", {"service": {"name": "web", "port": {"name": "http", "number": 8080}}},
         "exactly one of `name` or `number`"),
        ("spec", {"rules": []}, "either `defaultBackend` or `rules`"),
        ("spec", {"ingressClassName": "Nginx!", "defaultBackend": {"service": {"name": "web", "port": {"number": 8080}}}},
         "spec.ingressClassName: Invalid value"),
        ("spec", {"tls": [{"hosts": ["*.example.com"], "secretName": "bad_name"}],
                  "defaultBackend": {"service": {"name": "web", "port": {"name": "http"}}}}, "tls[0].secretName"),
    ],
)
def test_ingress_rules(path: str, value: Any, expected: str) -> None:
    found = problems(changed(INGRESS, path, value))
    assert any(expected in p for p in found), found


def test_a_wildcard_host_and_named_port_pass() -> None:
    obj = changed(INGRESS, "spec.rules.0.host", "*.example.com")
    obj = changed(obj, "spec.rules.0.http.paths.0.backend", {"service": {"name": "web", "port": {"name": "http"}}})
    assert problems(obj) == []
