"""Reachable exactly where Docker made it reachable (issue 9, item 4): d2k.infer.plan_services.

Docker's side is pinned on the real engine in tests/test_differential.py::test_docker_publishes_*
(loopback HostIp bindings, -P = the image's EXPOSE plus --expose) and, for from-running, in
tests/test_from_running_cli.py::test_from_running_converts_an_aliased_container_without_ports.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from d2k.core import Options, convert_text
from d2k.report import Severity
from d2k.validate import validate_objects

ROOT = Path(__file__).resolve().parent.parent


def convert(text: str, **options: Any) -> Any:
    result = convert_text(text, "t.sh", options=Options(**options), base_dir=".")
    assert validate_objects(result.objects) == []
    return result


def services(result: Any) -> dict[str, tuple[str, list[tuple[int, int]]]]:
    return {o["metadata"]["name"]: (o["spec"]["type"], [(p["port"], p["targetPort"]) for p in o["spec"]["ports"]])
            for o in result.objects if o["kind"] == "Service"}


def on_nodes(result: Any) -> set[int]:
    """Container ports some NodePort/LoadBalancer Service opens on every node."""
    return {p["targetPort"] for o in result.objects if o["kind"] == "Service" and o["spec"]["type"] != "ClusterIP"
            for p in o["spec"]["ports"]}


def codes(result: Any, name: str) -> dict[str, tuple[Severity, str]]:
    return {d.code: (d.severity, d.message) for d in result.report.diagnostics if d.container == name}


@pytest.mark.parametrize("address", ["127.0.0.1", "[::1]"])
def test_loopback_ports_are_on_no_node(address: str) -> None:
    result = convert(f"docker run -d --name web -p {address}:8080:80 -p 8443:443 nginx\n")
    assert on_nodes(result) == {443}
    assert services(result) == {"web": ("ClusterIP", [(80, 80)]), "web-external": ("NodePort", [(8443, 443)])}
    severity, message = codes(result, "web")["loopback-port"]
    assert severity is Severity.APPROXIMATED and "kubectl port-forward service/web 8080:80" in message


def test_ports_only_other_containers_call_stay_cluster_ip() -> None:
    result = convert("docker run -d --name api -p 8080:80 --expose 9000 example/api\n"
                     "docker run -d --name web -e API_URL=http://api:9000 example/web\n")
    assert on_nodes(result) == {80}
    assert services(result) == {"api": ("ClusterIP", [(80, 80), (9000, 9000)]),
                                "api-external": ("NodePort", [(8080, 80)])}
    assert codes(result, "api")["external-service"][0] is Severity.INFO


def test_the_seed_keeps_its_services() -> None:
    result = convert_text((ROOT / "samples" / "voting-app.md").read_text(encoding="utf-8"), "voting-app.md",
                          options=Options())
    assert services(result) == {"db": ("ClusterIP", [(5432, 5432)]), "redis": ("ClusterIP", [(6379, 6379)]),
                                "result": ("NodePort", [(4141, 80)]), "vote": ("NodePort", [(5423, 80)])}


def test_publish_all_publishes_the_image_expose_and_the_expose_flag() -> None:
    result = convert("docker run -d --name web -P --expose 9000 nginx\n")  # nginx EXPOSEs 80 (catalog)
    assert services(result) == {"web": ("NodePort", [(80, 80), (9000, 9000)])}
    assert "publish-all-unknown" not in codes(result, "web")


def test_publish_all_of_an_unknown_image_is_reported() -> None:
    result = convert("docker run -d --name app -P --expose 9000 example/unknown\n")
    assert services(result) == {"app": ("NodePort", [(9000, 9000)])}
    severity, message = codes(result, "app")["publish-all-unknown"]
    assert severity is Severity.NOT_CARRIED and "only 9000 published" in message and "--port app=PORT" in message
    given = convert("docker run -d --name app -P example/unknown\n", port_overrides={"app": [8080]})
    assert services(given) == {"app": ("NodePort", [(8080, 8080)])}
    assert "publish-all-unknown" not in codes(given, "app")


def test_host_network_keeps_its_ports_listed_and_says_publishing_is_discarded() -> None:
    result = convert("docker run -d --name edge --network host -p 8080:80 nginx\n")
    spec = next(o for o in result.objects if o["kind"] == "Deployment")["spec"]["template"]["spec"]
    assert spec["hostNetwork"] is True
    assert [p["containerPort"] for p in spec["containers"][0]["ports"]] == [80]
    assert services(result) == {}
    assert "discarded" in codes(result, "edge")["host-network-ports"][1]


def test_an_alias_without_known_ports_converts_and_is_reported() -> None:
    result = convert("docker network create net\n"
                     "docker run -d --name api --network net --network-alias backend example/api\n")
    assert [o["kind"] for o in result.objects if o["metadata"]["name"] == "api"] == ["Deployment"]
    severity, message = codes(result, "api")["unknown-ports"]
    assert severity is Severity.NOT_CARRIED
    assert message.startswith("it answers to the network alias backend") and "--port api=PORT" in message
    given = convert("docker network create net\n"
                    "docker run -d --name api --network net --network-alias backend example/api\n",
                    port_overrides={"api": [8080]})
    assert services(given) == {"backend": ("ClusterIP", [(8080, 8080)])}


def test_a_shared_alias_on_an_image_whose_port_is_its_expose_converts() -> None:
    # was: exit 2, "aa is reached by bb as search" (bb shares the alias, it does not call aa)
    result = convert("docker network create net\n"
                     "docker run -d --name aa --network net --network-alias search example/search\n"
                     "docker run -d --name bb --network net --network-alias search nginx\n")
    assert services(result)["search"] == ("ClusterIP", [(80, 80)])
    _, message = codes(result, "aa")["unknown-ports"]
    assert "bb" not in message and message.startswith("it answers to the network alias search")
    assert not any(d.code == "connectivity-gap" for d in result.report.diagnostics)


def d2k(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "d2k", *args], capture_output=True, text=True, input=stdin,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize("text", [
    "docker network create net\ndocker run -d --name api --network net --network-alias backend example/api\n",
    "docker run -d --name api example/api\ndocker run -d --name web --link api example/web\n",
    "docker run -d --name app -P example/unknown\n",
])
def test_strict_exits_1_on_what_is_not_reachable_as_in_docker(text: str) -> None:
    done = d2k("from-commands", "-", "--strict", stdin=text)
    assert done.returncode == 1, done.stderr
    assert "kind: Deployment" in done.stdout and "not carried" in done.stderr


def test_a_shared_alias_selects_every_container_that_declares_it() -> None:
    # Docker's DNS answers `search` with both containers (round robin): one Service selects both Pods
    result = convert("docker network create net\n"
                     "docker run -d --name aa --network net --network-alias search nginx\n"
                     "docker run -d --name bb --network net --network-alias search nginx\n")
    service = next(o for o in result.objects if o["kind"] == "Service" and o["metadata"]["name"] == "search")
    assert service["spec"]["selector"] == {"alias.d2k.io/search": "true"}
    templates = {o["metadata"]["name"]: o["spec"]["template"]["metadata"]["labels"]
                 for o in result.objects if o["kind"] == "Deployment"}
    assert all(labels.get("alias.d2k.io/search") == "true" for labels in templates.values()) and len(templates) == 2
    assert "service-conflict" not in {d.code for d in result.report.diagnostics}
    assert codes(result, "bb")["shared-alias"][0] is Severity.INFO


def test_a_name_two_containers_are_linked_as_is_still_one_service() -> None:
    result = convert("docker run -d --name pg1 postgres\ndocker run -d --name pg2 postgres\n"
                     "docker run -d --name aa --link pg1:db example/a\ndocker run -d --name bb --link pg2:db example/b\n")
    assert codes(result, "pg2")["service-conflict"][0] is Severity.NOT_CARRIED


def test_the_kind_hint_forwards_each_tcp_port_to_a_free_local_port_and_names_what_it_cannot_carry() -> None:
    from d2k.emitters.report import render_reach

    result = convert("docker run -d --name dns -p 53:53/udp -p 53:53 -p 80:80 -p 8080:8080 -p 8053:8053 "
                     "-p 127.0.0.1:5353:5353/udp coredns/coredns:1.11.1\n")
    reach = render_reach(result.objects)
    # 53 -> 8053 is taken by the Service's own 8053, so 8054; 80 -> 8080 likewise taken, so 8081
    assert ("    kind:     kubectl port-forward service/dns-external 8054:53 8081:80 8053:8053 8080:8080, then "
            "localhost:8054 (53/udp: kubectl port-forward carries TCP only; map the node port with extraPortMappings "
            "in the kind cluster's config)\n") in reach
    assert "  dns-external: NodePort, port 53/udp -> the node port the cluster picked" in reach
    notes = codes(result, "dns")
    assert any(d.message.startswith("host port 53/udp is outside 30000-32767") for d in result.report.diagnostics)
    _severity, loopback = notes["loopback-port"]
    assert "port 5353/udp was published on 127.0.0.1 only" in loopback and "carries TCP only, not udp" in loopback
    assert "kubectl port-forward service" not in loopback


def test_a_udp_only_service_has_no_port_forward_command() -> None:
    from d2k.emitters.report import render_reach

    reach = render_reach(convert("docker run -d --name dns -p 53:53/udp coredns/coredns:1.11.1\n").objects)
    assert "    kind:     53/udp: kubectl port-forward carries TCP only; map the node port with extraPortMappings" in reach
    assert "port-forward service/" not in reach


def test_a_published_udp_port_left_cluster_ip_says_port_forward_cannot_reach_it() -> None:
    result = convert("docker run -d --name dns -p 53:53/udp -p 8080:80 coredns/coredns:1.11.1\n",
                     expose_type="ClusterIP")
    messages = [d.message for d in result.report.diagnostics if d.code == "cluster-ip-published"]
    assert any("-p 53:53/udp" in m and "carries TCP only, not udp" in m for m in messages), messages
    assert any("-p 8080:80" in m and "kubectl port-forward service/dns 8080:8080" in m for m in messages)
