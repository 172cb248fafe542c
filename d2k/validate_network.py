"""The API server's rules for NetworkPolicy and Ingress, and the cross-object rules they need.

A rule family of its own (d2k.validate runs these after its own): label selectors, peers and
ports of NetworkPolicies (networking/validation ValidateNetworkPolicy), hosts, paths and backends
of Ingresses (ValidateIngress); across the set, every NetworkPolicy selects pods that exist and
every Ingress backend names a Service and a port it has.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from d2k.validate import (
    Finding,
    Obj,
    SetFinding,
    SetView,
    _d,
    _int,
    _int_or_port_name,
    _l,
    _label_map,
    _name,
    _ns,
    _selector_matches,
    _str,
    dns1035_label,
    dns1123_subdomain,
    port_name,
)

_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_PROTOCOLS = ("TCP", "UDP", "SCTP")
_POLICY_TYPES = ("Ingress", "Egress")
_PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")
_BAD_PATH_PARTS = ("//", "/./", "/../", "%2f", "%2F")
_BAD_PATH_ENDS = ("/..", "/.")


def _label_selector(selector: Any, path: str) -> Iterator[Finding]:
    """metav1.LabelSelector: valid keys and values, known operators, values only where they belong."""
    selector = _d(selector)
    yield from _label_map(_d(selector.get("matchLabels")), f"{path}.matchLabels")
    for i, expr in enumerate(_l(selector.get("matchExpressions"))):
        expr, where = _d(expr), f"{path}.matchExpressions[{i}]"
        op, values = expr.get("operator"), _l(expr.get("values"))
        yield from _label_map({_str(expr.get("key")): ""}, f"{where}.key")
        if op not in _OPERATORS:
            yield f"{where}.operator", f"Unsupported value: {op!r}"
        elif op in ("In", "NotIn") and not values:
            yield f"{where}.values", "Required value: must be specified when `operator` is 'In' or 'NotIn'"
        elif op in ("Exists", "DoesNotExist") and values:
            yield f"{where}.values", "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"


def _policy_port(port: Obj, path: str) -> Iterator[Finding]:
    protocol = port.get("protocol")
    if protocol is not None and protocol not in _PROTOCOLS:
        yield f"{path}.protocol", f"Unsupported value: {protocol!r}: supported values: \"SCTP\", \"TCP\", \"UDP\""
    value = port.get("port")
    if value is not None:
        for msg in _int_or_port_name(value):
            yield f"{path}.port", f"Invalid value: {value!r}: {msg}"
    end = _int(port.get("endPort"))
    if end is not None:
        start = _int(value)
        if start is None:
            yield f"{path}.endPort", "Invalid value: may not be specified when `port` is non-numeric or absent"
        elif end < start:
            yield f"{path}.endPort", "Invalid value: must be greater than or equal to `port`"


def _peer(peer: Obj, path: str) -> Iterator[Finding]:
    """Exactly one of (podSelector and/or namespaceSelector) or ipBlock."""
    selectors = [k for k in ("podSelector", "namespaceSelector") if k in peer]
    if "ipBlock" in peer and selectors:
        yield path, "Forbidden: may not specify more than 1 peer type"
    elif "ipBlock" not in peer and not selectors:
        yield path, "Required value: must specify a peer"
    for key in selectors:
        yield from _label_selector(peer[key], f"{path}.{key}")
    if "ipBlock" in peer:
        block = _d(peer["ipBlock"])
        try:
            cidr = ipaddress.ip_network(_str(block.get("cidr")), strict=False)
        except ValueError:
            yield f"{path}.ipBlock.cidr", f"Invalid value: {block.get('cidr')!r}: must be a valid CIDR"
            return
        for j, item in enumerate(_l(block.get("except"))):
            try:
                inner = ipaddress.ip_network(_str(item), strict=False)
            except ValueError:
                yield f"{path}.ipBlock.except[{j}]", f"Invalid value: {item!r}: must be a valid CIDR"
                continue
            if inner.version != cidr.version or not inner.subnet_of(cidr) or inner == cidr:  # type: ignore[arg-type]
                yield f"{path}.ipBlock.except[{j}]", f"Invalid value: {item!r}: must be a strict subset of `cidr`"


def rule_network_policy(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """ValidateNetworkPolicySpec: selector, rules' ports and peers, policyTypes."""
    if obj.get("kind") != "NetworkPolicy":
        return
    spec = _d(obj.get("spec"))
    yield from _label_selector(spec.get("podSelector"), "spec.podSelector")
    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(_l(spec.get(direction))):
            rule, where = _d(rule), f"spec.{direction}[{i}]"
            for j, port in enumerate(_l(rule.get("ports"))):
                yield from _policy_port(_d(port), f"{where}.ports[{j}]")
            for j, peer in enumerate(_l(rule.get(peers_key))):
                yield from _peer(_d(peer), f"{where}.{peers_key}[{j}]")
    types = _l(spec.get("policyTypes"))
    if len(types) > 2:
        yield "spec.policyTypes", "Invalid value: may not specify more than two policyTypes"
    for i, kind in enumerate(types):
        if kind not in _POLICY_TYPES:
            yield f"spec.policyTypes[{i}]", f"Unsupported value: {kind!r}: supported values: \"Egress\", \"Ingress\""


def _host(value: str, path: str) -> Iterator[Finding]:
    """Ingress hosts: a DNS subdomain, `*.` allowed in front, never an IP address."""
    try:
        ipaddress.ip_address(value)
        yield path, f"Invalid value: {value!r}: must be a DNS name, not an IP address"
        return
    except ValueError:
        pass
    for msg in dns1123_subdomain(value.removeprefix("*.")):
        yield path, f"Invalid value: {value!r}: {msg}"


def _backend(backend: Obj, path: str) -> Iterator[Finding]:
    if ("service" in backend) == ("resource" in backend):
        yield path, "Invalid value: exactly one of `service` or `resource` must be specified"
    if "service" not in backend:
        return
    service = _d(backend["service"])
    for msg in dns1035_label(_str(service.get("name"))):
        yield f"{path}.service.name", f"Invalid value: {service.get('name')!r}: {msg}"
    port = _d(service.get("port"))
    if ("name" in port) == ("number" in port):
        yield f"{path}.service.port", "Invalid value: exactly one of `name` or `number` must be specified"
    elif "name" in port:
        for msg in port_name(_str(port["name"])):
            yield f"{path}.service.port.name", f"Invalid value: {port['name']!r}: {msg}"
    elif not 1 <= (_int(port["number"]) or 0) <= 65535:
        yield f"{path}.service.port.number", f"Invalid value: {port['number']!r}: must be between 1 and 65535"


def _path(item: Obj, path: str) -> Iterator[Finding]:
    kind, value = item.get("pathType"), _str(item.get("path"))
    if kind is None:
        yield f"{path}.pathType", "Required value: pathType must be specified"
    elif kind not in _PATH_TYPES:
        yield f"{path}.pathType", f"Unsupported value: {kind!r}"
    elif kind in ("Exact", "Prefix"):
        if not value.startswith("/"):
            yield f"{path}.path", f"Invalid value: {value!r}: must be an absolute path"
        elif any(p in value for p in _BAD_PATH_PARTS) or value.endswith(_BAD_PATH_ENDS):
            yield f"{path}.path", f"Invalid value: {value!r}: must not contain '//', '/./', '/../' or '%2f'"
    yield from _backend(_d(item.get("backend")), f"{path}.backend")


def rule_ingress(obj: Obj, version: tuple[int, int]) -> Iterator[Finding]:
    """ValidateIngressSpec: a default backend or rules, valid hosts, paths, backends, TLS and class names."""
    if obj.get("kind") != "Ingress":
        return
    spec = _d(obj.get("spec"))
    if not spec.get("defaultBackend") and not _l(spec.get("rules")):
        yield "spec.rules", "Invalid value: either `defaultBackend` or `rules` must be specified"
    if spec.get("defaultBackend"):
        yield from _backend(_d(spec["defaultBackend"]), "spec.defaultBackend")
    for i, rule in enumerate(_l(spec.get("rules"))):
        rule = _d(rule)
        if rule.get("host"):
            yield from _host(_str(rule["host"]), f"spec.rules[{i}].host")
        for j, item in enumerate(_l(_d(rule.get("http")).get("paths"))):
            yield from _path(_d(item), f"spec.rules[{i}].http.paths[{j}]")
    for i, tls in enumerate(_l(spec.get("tls"))):
        tls = _d(tls)
        for j, host in enumerate(_l(tls.get("hosts"))):
            yield from _host(_str(host), f"spec.tls[{i}].hosts[{j}]")
        secret = tls.get("secretName")
        if secret:
            for msg in dns1123_subdomain(_str(secret)):
                yield f"spec.tls[{i}].secretName", f"Invalid value: {secret!r}: {msg}"
    if spec.get("ingressClassName") is not None:
        for msg in dns1123_subdomain(_str(spec["ingressClassName"])):
            yield "spec.ingressClassName", f"Invalid value: {spec['ingressClassName']!r}: {msg}"


OBJECT_RULES = ((rule_network_policy, frozenset({"NetworkPolicy"})), (rule_ingress, frozenset({"Ingress"})))


def _selects(view: SetView, namespace: str, selector: Obj) -> bool:
    return any(_ns(pod.obj) == namespace and _selector_matches(selector, pod.labels) for pod in view.templates)


def rule_network_policy_selects_pods(view: SetView) -> Iterator[SetFinding]:
    """A policy's podSelector, and each same-namespace peer's, must pick pods of the set: else it guards nothing.

    An empty selector (every pod of the namespace) and peers with a namespaceSelector (other
    namespaces) or an ipBlock reach beyond the set and are not checked.
    """
    for obj in view.objects:
        if obj.get("kind") != "NetworkPolicy":
            continue
        spec, ns = _d(obj.get("spec")), _ns(obj)
        selector = _d(spec.get("podSelector"))
        if selector and not _selects(view, ns, selector):
            yield obj, "spec.podSelector", "Not found: no pod template in the set matches it"
        for direction, key in (("ingress", "from"), ("egress", "to")):
            for i, rule in enumerate(_l(spec.get(direction))):
                for j, peer in enumerate(_l(_d(rule).get(key))):
                    peer = _d(peer)
                    pods = _d(peer.get("podSelector"))
                    if pods and "namespaceSelector" not in peer and not _selects(view, ns, pods):
                        yield (obj, f"spec.{direction}[{i}].{key}[{j}].podSelector",
                               "Not found: no pod template in the set matches it")


def rule_ingress_backends(view: SetView) -> Iterator[SetFinding]:
    """Every Ingress backend names a Service of the set (same namespace) and a port that Service has."""
    services = {(_ns(o), _name(o)): o for o in view.objects if o.get("kind") == "Service"}
    for obj in view.objects:
        if obj.get("kind") != "Ingress":
            continue
        spec = _d(obj.get("spec"))
        backends = [("spec.defaultBackend", _d(spec.get("defaultBackend")))] if spec.get("defaultBackend") else []
        for i, rule in enumerate(_l(spec.get("rules"))):
            for j, item in enumerate(_l(_d(_d(rule).get("http")).get("paths"))):
                backends.append((f"spec.rules[{i}].http.paths[{j}].backend", _d(_d(item).get("backend"))))
        for path, backend in backends:
            if "service" not in backend:
                continue
            ref = _d(backend["service"])
            service = services.get((_ns(obj), _str(ref.get("name"))))
            if service is None:
                yield obj, f"{path}.service.name", f"Not found: no Service named {ref.get('name')!r} in the set"
                continue
            port = _d(ref.get("port"))
            ports = [_d(p) for p in _l(_d(service.get("spec")).get("ports"))]
            if "number" in port and not any(p.get("port") == port["number"] for p in ports):
                yield obj, f"{path}.service.port.number", (f"Not found: Service {_name(service)} has no port "
                                                           f"{port['number']}")
            elif "name" in port and not any(p.get("name") == port["name"] for p in ports):
                yield obj, f"{path}.service.port.name", f"Not found: Service {_name(service)} has no port named " \
                                                         f"{port['name']!r}"


SET_RULES = (rule_network_policy_selects_pods, rule_ingress_backends)
