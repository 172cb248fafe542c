"""One test (or a few) per inference rule, in the order of d2k.infer.RULES."""

from __future__ import annotations

import pytest

from d2k import infer as rules
from d2k.errors import InputError
from d2k.infer import Inference, infer
from d2k.model import Graph
from d2k.parsers.docker_run import parse_text
from d2k.report import Report
from d2k.report import Severity as Sev


def graph_of(text: str, **options: object) -> tuple[Graph, Report]:
    parsed = parse_text(text, "t.sh")
    infer(parsed.graph, Inference(parsed.report, **options))  # type: ignore[arg-type]
    return parsed.graph, parsed.report


def services(graph: Graph) -> dict[str, tuple[str, str, list[tuple[int, int]]]]:
    return {s.name: (s.container, s.type, [(p.port, p.target_port) for p in s.ports]) for s in graph.services}


def codes(report: Report) -> list[str]:
    return [d.code for d in report.diagnostics]


def test_rules_run_in_the_documented_order() -> None:
    names = [rule.__name__ for rule in rules.RULES]
    assert names.index("index_hosts") < names.index("edges_from_env")
    assert names.index("resolve_ports") < names.index("plan_services") < names.index("check_connectivity")
    assert names[0] == "check_references"


def test_check_references_rejects_a_link_to_a_missing_container() -> None:
    with pytest.raises(InputError) as err:
        graph_of("docker run -d --name web --link db nginx\n")
    assert str(err.value).startswith("t.sh:1: --link db: no container named db")


def test_check_references_rejects_volumes_from_and_network_of_missing_containers() -> None:
    with pytest.raises(InputError, match="--volumes-from data"):
        graph_of("docker run -d --name web --volumes-from data nginx\n")
    with pytest.raises(InputError, match="--network app: no container named app"):
        graph_of("docker run -d --name side --network container:app busybox\n")


def test_group_pods_puts_network_container_members_in_one_pod() -> None:
    g, report = graph_of(
        "docker run -d --name app -p 8080:80 nginx\n"
        "docker run -d --name proxy --network container:app envoyproxy/envoy\n"
    )
    assert g.pods == {"app": "app", "proxy": "app"}
    assert "same-pod" in codes(report)


def test_a_pod_member_is_told_which_of_its_own_namespaces_it_now_shares() -> None:
    """A Pod's containers share one network and one IPC namespace; under Docker only what --network/--ipc
    container:X asked for was shared."""
    _, report = graph_of(
        "docker run -d --name app nginx\n"
        "docker run -d --name net --network container:app busybox\n"  # its own IPC
        "docker run -d --name both --network container:app --ipc container:app busybox\n"  # nothing of its own
        "docker run -d --name pid --pid container:app busybox\n"  # its own network and IPC
    )
    notes = {d.container: d for d in report.diagnostics if d.code == "same-pod"}
    assert notes["net"].severity is Sev.APPROXIMATED and notes["net"].message.endswith("its own IPC namespace")
    assert notes["both"].severity is Sev.INFO
    assert notes["pid"].severity is Sev.APPROXIMATED and "own network namespace" in notes["pid"].message
    assert "and its own IPC namespace" in notes["pid"].message


def test_group_pods_follows_pid_and_ipc_container_modes() -> None:
    g, _ = graph_of("docker run -d --name aa busybox\ndocker run -d --name bb --pid container:aa busybox\n")
    assert g.pods["bb"] == "aa"


def test_group_pods_follows_chains_and_refuses_loops() -> None:
    parsed = parse_text("docker run -d --name aa busybox\ndocker run -d --name bb --pid container:aa busybox\n"
                        "docker run -d --name cc --network container:bb busybox\n", "t.sh")
    rules.group_pods(parsed.graph, Inference(parsed.report))
    assert parsed.graph.pods == {"aa": "aa", "bb": "aa", "cc": "aa"}
    parsed.graph.containers["aa"].ipc_mode = "container:cc"  # as an engine could report it: aa -> cc -> bb -> aa
    with pytest.raises(InputError, match="joins a loop of container: namespaces"):
        rules.group_pods(parsed.graph, Inference(parsed.report))


def test_graph_is_freed_without_the_cycle_collector() -> None:
    """The CLI pauses the cycle collector: the rules must not leave reference cycles that hold the graph."""
    import gc
    import sys

    gc.disable()
    try:
        g, _ = graph_of("docker run -d --name app -p 8080:80 nginx\n"
                        "docker run -d --name proxy --network container:app envoyproxy/envoy\n"
                        "docker run -d --name web --link app -e API=http://app:80 nginx\n")
        assert sys.getrefcount(g) == 2  # `g` and getrefcount's own argument: nothing else holds it
    finally:
        gc.enable()


def test_name_workloads_makes_dns_labels_and_resolves_collisions() -> None:
    g, report = graph_of("docker run -d --name My_App nginx\ndocker run -d --name my.app nginx\n")
    assert g.workload_names == {"My_App": "my-app", "my.app": "my-app-2"}
    assert codes(report).count("renamed") == 2


def test_index_hosts_and_edges_from_links_keep_the_alias() -> None:
    g, _ = graph_of("docker run -d --name pg postgres\ndocker run -d --name app --link pg:database example/app\n")
    assert [(e.consumer, e.provider, e.host, e.reason) for e in g.edges] == [("app", "pg", "database", "link")]
    assert services(g) == {"database": ("pg", "ClusterIP", [(5432, 5432)])}


def test_edges_from_network_aliases_name_a_service() -> None:
    g, _ = graph_of(
        "docker network create back\n"
        "docker run -d --name cache --network back --network-alias sessions redis\n"
        "docker run -d --name app --network back example/app\n"
    )
    assert ("app", "cache", "sessions", "network-alias") in [(e.consumer, e.provider, e.host, e.reason) for e in g.edges]
    assert services(g)["sessions"] == ("cache", "ClusterIP", [(6379, 6379)])


def test_edges_from_env_find_plain_hosts_and_urls_with_ports() -> None:
    g, _ = graph_of(
        "docker run -d --name db postgres\n"
        "docker run -d --name cache redis\n"
        "docker run -d --name app -e DB_HOST=db -e CACHE_URL=redis://cache:6379/0 -e MODE=db example/app\n"
    )
    found = {(e.provider, e.host, e.reason, e.port) for e in g.edges}
    assert found == {("db", "db", "env", None), ("cache", "cache", "env", 6379)}


def test_edges_from_env_never_show_a_credential_value() -> None:
    g, _ = graph_of(
        "docker run -d --name db postgres\n"
        "docker run -d --name app -e DATABASE_URL=postgres://u:plantedpw@db:5432/x example/app\n"
    )
    (edge,) = g.edges
    assert edge.port == 5432 and edge.origin is not None
    assert "plantedpw" not in edge.origin.text


def test_resolve_ports_prefers_override_then_explicit_and_catalog() -> None:
    text = (
        "docker run -d --name aa --expose 7000 redis\n"
        "docker run -d --name bb redis\n"
        "docker run -d --name cc example/unknown\n"
        "docker run -d --name app -e A_HOST=aa -e B_HOST=bb -e C_HOST=cc example/app\n"
    )
    g, report = graph_of(text, port_overrides={"cc": [9000]})
    assert [p.container_port for p in g.service_ports["aa"]] == [7000, 6379]  # --expose adds to the image's EXPOSE
    assert [p.container_port for p in g.service_ports["bb"]] == [6379]
    assert [p.container_port for p in g.service_ports["cc"]] == [9000]
    assert "catalog-ports" in codes(report)


def test_plan_services_unknown_port_of_a_reached_container_is_reported_not_refused() -> None:
    # Docker runs both and resolves the name: only the port is unknown, so convert and report it
    g, report = graph_of("docker run -d --name api example/api\ndocker run -d --name web --link api example/web\n")
    assert services(g) == {}
    (note,) = [d for d in report.diagnostics if d.code == "unknown-ports"]
    assert note.severity is Sev.NOT_CARRIED and note.container == "api"
    assert note.message.startswith("web call it as api") and "--port api=PORT" in note.message
    assert "connectivity-gap" not in codes(report)  # said once, where the port is missing


def test_resolve_ports_falls_back_to_the_port_callers_name() -> None:
    g, report = graph_of(
        "docker run -d --name api example/api\n"
        "docker run -d --name web -e API_URL=http://api:8081/v1 example/web\n"
    )
    assert services(g)["api"] == ("api", "ClusterIP", [(8081, 8081)])
    assert "ports-from-callers" in codes(report)


def test_image_volumes_become_anonymous_mounts_unless_mounted() -> None:
    g, report = graph_of("docker run -d --name aa redis\ndocker run -d --name bb -v data:/data redis\n")
    assert [(m.type, m.source, m.target) for m in g.containers["aa"].mounts] == [("volume", "", "/data")]
    assert [(m.type, m.source, m.target) for m in g.containers["bb"].mounts] == [("volume", "data", "/data")]
    assert codes(report).count("image-volume") == 1


def test_plan_services_external_internal_and_none() -> None:
    g, report = graph_of(
        "docker run -d --name db postgres\n"
        "docker run -d --name web -p 8080:80 --link db nginx\n"
        "docker run -d --name worker --link db example/worker\n"
    )
    assert services(g) == {"db": ("db", "ClusterIP", [(5432, 5432)]), "web": ("web", "NodePort", [(8080, 80)])}
    assert any(d.code == "no-service" and d.container == "worker" for d in report.diagnostics)


def test_plan_services_node_port_only_inside_the_range() -> None:
    g, _ = graph_of("docker run -d --name aa -p 30080:80 nginx\ndocker run -d --name bb -p 80:80 nginx\n")
    by = {s.name: s for s in g.services}
    assert by["aa"].ports[0].node_port == 30080
    assert by["bb"].ports[0].node_port is None


def test_plan_services_loopback_only_is_cluster_ip_with_port_forward_note() -> None:
    g, report = graph_of("docker run -d --name admin -p 127.0.0.1:8080:80 nginx\n")
    assert services(g) == {"admin": ("admin", "ClusterIP", [(80, 80)])}
    note = next(d for d in report.diagnostics if d.code == "loopback-port")
    assert "kubectl port-forward service/admin 8080:80" in note.message and note.severity is Sev.APPROXIMATED


def test_plan_services_keeps_the_called_port_off_the_nodes() -> None:
    # Docker: web reaches api:80 on the network, the host reaches 8080; port 80 is on no node
    g, report = graph_of("docker run -d --name api -p 8080:80 nginx\ndocker run -d --name web -e API_HOST=api nginx\n")
    assert services(g) == {"api": ("api", "ClusterIP", [(80, 80)]), "api-external": ("api", "NodePort", [(8080, 80)])}
    assert "external-service" in codes(report)


def test_plan_services_one_service_when_callers_use_exactly_the_published_ports() -> None:
    g, _ = graph_of("docker run -d --name api -p 8080:8080 example/api\n"
                    "docker run -d --name web -e API_HOST=api example/web\n")
    assert services(g) == {"api": ("api", "NodePort", [(8080, 8080)])}


def test_plan_services_load_balancer_on_request() -> None:
    g, _ = graph_of("docker run -d --name web -p 80:80 nginx\n", expose_type="LoadBalancer")
    assert services(g)["web"][1] == "LoadBalancer"


def test_plan_services_invalid_host_name_is_renamed_and_reported() -> None:
    g, report = graph_of("docker run -d --name db postgres\ndocker run -d --name app --link db:front_end example/a\n")
    assert "front-end" in services(g)
    assert any(d.code == "service-renamed" and d.severity is Sev.APPROXIMATED for d in report.diagnostics)


def test_plan_services_shared_network_gives_members_with_ports_a_service() -> None:
    g, report = graph_of(
        "docker network create net\n"
        "docker run -d --name db --network net postgres\n"
        "docker run -d --name job --network net example/job\n"
    )
    assert services(g) == {"db": ("db", "ClusterIP", [(5432, 5432)])}
    assert any(d.code == "network-no-ports" and d.container == "job" for d in report.diagnostics)


def test_check_connectivity_reports_a_port_the_service_lacks() -> None:
    _, report = graph_of(
        "docker run -d --name db --expose 5432 postgres\n"
        "docker run -d --name app -e DB_URL=postgres://db:6432/x example/app\n"
    )
    gap = next(d for d in report.diagnostics if d.code == "connectivity-gap")
    assert "6432" in gap.message and gap.severity is Sev.NOT_CARRIED


def test_check_connectivity_reports_a_name_claimed_by_two_containers() -> None:
    _, report = graph_of(
        "docker run -d --name pg1 postgres\ndocker run -d --name pg2 postgres\n"
        "docker run -d --name aa --link pg1:db example/a\ndocker run -d --name bb --link pg2:db example/b\n"
    )
    assert "service-conflict" in codes(report)
    assert any(d.code == "connectivity-gap" and d.container == "bb" for d in report.diagnostics)


def test_plan_services_a_node_port_is_given_once() -> None:
    g, report = graph_of(
        "docker run -d --name aa -p 10.0.0.2:30080:80 nginx\ndocker run -d --name bb -p 10.0.0.3:30080:80 nginx\n"
    )
    by = {s.name: s for s in g.services}
    assert by["aa"].ports[0].node_port == 30080 and by["bb"].ports[0].node_port is None
    assert any(d.code == "node-port-taken" and d.container == "bb" for d in report.diagnostics)


def _with_dependency(text: str, consumer: str, target: str, condition: str) -> tuple[Graph, Report]:
    """docker run lines, then a start-order dependency (Compose's depends_on) added to one container."""
    from d2k.model import Dependency

    parsed = parse_text(text, "t.sh")
    parsed.graph.containers[consumer].depends_on.append(Dependency(target, condition))
    infer(parsed.graph, Inference(parsed.report))
    return parsed.graph, parsed.report


def test_edges_from_depends_on_reach_a_dependency_with_ports_only() -> None:
    g, report = _with_dependency("docker run -d --name web nginx\ndocker run -d --name db postgres\n",
                                 "web", "db", "service_started")
    assert [(e.consumer, e.provider, e.host, e.reason) for e in g.edges] == [("web", "db", "db", "depends_on")]
    assert services(g)["db"] == ("db", "ClusterIP", [(5432, 5432)])
    g, report = _with_dependency("docker run -d --name web nginx\ndocker run -d --name job busybox\n",
                                 "web", "job", "service_started")
    assert g.edges == [] and "depends-on-no-port" in codes(report) and "job" not in services(g)


def test_plan_waits_polls_the_service_of_a_healthy_dependency() -> None:
    g, report = _with_dependency("docker run -d --name web nginx\ndocker run -d --name cache redis\n",
                                 "web", "cache", "service_healthy")
    assert g.waits == {"web": [("cache", 6379)]}
    start = [d for d in report.diagnostics if d.code == "start-order"]
    assert len(start) == 1 and start[0].severity is Sev.APPROXIMATED
    g, report = _with_dependency("docker run -d --name web nginx\ndocker run -d --name job busybox\n",
                                 "web", "job", "service_healthy")
    assert g.waits == {} and "wait-not-carried" in codes(report)
