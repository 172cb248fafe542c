"""`--ingress HOST`: a host rule per HTTP Service, class and TLS, ClusterIP Services behind it, the reach notes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from d2k.core import Options, convert_text
from d2k.emitters.ingress import IngressOptions, check_options
from d2k.emitters.report import render_reach, render_text
from d2k.errors import InputError
from d2k.validate import validate_objects

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "samples" / "voting-app.md"
SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.is_file() and not p.name.startswith("."))


def convert(path: Path, **options: Any) -> Any:
    result = convert_text(path.read_text(encoding="utf-8"), str(path), options=Options(part_of=path.stem, **options))
    assert validate_objects(result.objects) == []
    return result


def ingresses(result: Any) -> list[dict[str, Any]]:
    return [o for o in result.objects if o["kind"] == "Ingress"]


def routes(ingress: dict[str, Any]) -> dict[str, tuple[str, int]]:
    out = {}
    for rule in ingress["spec"]["rules"]:
        (path,) = rule["http"]["paths"]
        assert (path["path"], path["pathType"]) == ("/", "Prefix")
        out[rule["host"]] = (path["backend"]["service"]["name"], path["backend"]["service"]["port"]["number"])
    return out


def test_seed_ingress_routes_a_host_per_http_service_with_class_and_tls() -> None:
    options = IngressOptions("example.com", "nginx", "voting-tls")
    (ingress,) = ingresses(convert(SEED, ingress=options))
    assert ingress["apiVersion"] == "networking.k8s.io/v1" and ingress["metadata"]["name"] == "voting-app"
    assert routes(ingress) == {"result.example.com": ("result", 4141), "vote.example.com": ("vote", 5423)}
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"hosts": ["result.example.com", "vote.example.com"], "secretName": "voting-tls"}]


def test_no_ingress_without_the_option() -> None:
    assert ingresses(convert(SEED)) == []


def test_cluster_ip_services_behind_the_ingress() -> None:
    result = convert(SEED, expose_type="ClusterIP", ingress=IngressOptions("example.com"))
    services = {o["metadata"]["name"]: o["spec"] for o in result.objects if o["kind"] == "Service"}
    assert {s["type"] for s in services.values()} == {"ClusterIP"}
    assert all("nodePort" not in p for s in services.values() for p in s["ports"])
    assert routes(ingresses(result)[0]) == {"result.example.com": ("result", 4141), "vote.example.com": ("vote", 5423)}
    reach = render_reach(result.objects)
    assert ("  vote: Ingress, http://vote.example.com/ (point the host at the Ingress controller's address: "
            "kubectl get ingress)") in reach
    assert "NodePort" not in reach


def test_cluster_ip_without_ingress_is_reported() -> None:
    result = convert(SEED, expose_type="ClusterIP")
    text = render_text(result.report, result.graph, result.objects)
    assert ("-p 5423:80: a ClusterIP Service (--expose-type ClusterIP) and no Ingress rule: reach it with kubectl "
            "port-forward service/vote 5423:5423") in text


def test_ingress_backends_are_let_in_by_the_network_policies() -> None:
    result = convert(SEED, expose_type="ClusterIP", ingress=IngressOptions("example.com"), network_policies="graph")
    vote = next(o for o in result.objects if o["metadata"]["name"] == "vote-ingress")
    assert vote["spec"]["ingress"] == [{"ports": [{"port": 80, "protocol": "TCP"}]}]
    assert vote["metadata"]["annotations"]["d2k.io/edges"] == "outside: Ingress vote.example.com"


def test_monitoring_routes_web_ports_but_not_the_loopback_one() -> None:
    sample = ROOT / "samples" / "monitoring.txt"
    result = convert(sample, ingress=IngressOptions("mon.example.org"))
    # grafana 3000 and prometheus 9090 serve HTTP; alertmanager was published on 127.0.0.1 only
    assert routes(ingresses(result)[0]) == {"grafana.mon.example.org": ("grafana", 3000),
                                            "prometheus.mon.example.org": ("prometheus", 9090)}


def test_http_names_a_service_whatever_its_port() -> None:
    text = "docker run -d --name api -p 7000:7000 example/api\ndocker run -d --name db -p 5432:5432 postgres\n"
    result = convert_text(text, "t.sh", options=Options(ingress=IngressOptions("x.io", http=("api",))))
    assert validate_objects(result.objects) == []
    assert routes(ingresses(result)[0]) == {"api.x.io": ("api", 7000)}
    none = convert_text(text, "t.sh", options=Options(ingress=IngressOptions("x.io")))
    assert ingresses(none) == []
    assert "no Service serves HTTP" in render_text(none.report, none.graph, none.objects)


def test_an_https_backend_is_reported() -> None:
    result = convert_text("docker run -d --name web -p 8443:443 nginx\n", "t.sh",
                          options=Options(ingress=IngressOptions("x.io")))
    assert routes(ingresses(result)[0]) == {"web.x.io": ("web", 8443)}
    assert "likely speaks HTTPS" in render_text(result.report, result.graph, result.objects)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (IngressOptions(tls_secret="tls"), "--tls-secret needs --ingress HOST"),
        (IngressOptions(ingress_class="nginx"), "--ingress-class needs --ingress HOST"),
        (IngressOptions(http=("api",)), "--http needs --ingress HOST"),
        (IngressOptions("Example_COM"), "--ingress Example_COM: not a DNS name"),
        (IngressOptions("x.io", tls_secret="TLS!"), "--tls-secret TLS!: not a DNS name"),
    ],
)
def test_bad_ingress_options_are_input_errors(options: IngressOptions, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_options(options)


def test_http_of_an_unknown_container_is_an_input_error() -> None:
    with pytest.raises(InputError, match="--http nope: no container"):
        convert_text("docker run -d --name api -p 80:80 nginx\n", "t.sh",
                     options=Options(ingress=IngressOptions("x.io", http=("nope",))))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_sample_with_ingress_and_policies_is_valid(sample: Path) -> None:
    for expose in ("NodePort", "LoadBalancer", "ClusterIP"):
        result = convert(sample, expose_type=expose, network_policies="graph",
                         ingress=IngressOptions("apps.example.com", "nginx", "apps-tls"))
        for ingress in ingresses(result):
            services = {o["metadata"]["name"] for o in result.objects if o["kind"] == "Service"}
            assert {name for name, _port in routes(ingress).values()} <= services


def test_reach_notes_for_minikube_kind_and_a_cloud() -> None:
    reach = render_reach(convert(SEED, namespace="apps").objects)
    assert "    minikube: minikube service vote -n apps --url\n" in reach
    assert "    kind:     kubectl -n apps port-forward service/vote 5423:5423, then localhost:5423\n" in reach
    assert "    cloud:    a node's EXTERNAL-IP (kubectl get nodes -o wide) and the node port" in reach
    balanced = render_reach(convert(SEED, expose_type="LoadBalancer").objects)
    assert "    cloud:    kubectl get service result: its EXTERNAL-IP, once the cloud has assigned one\n" in balanced
    web = convert_text("docker run -d --name web -p 80:80 nginx\n", "t.sh", options=Options())
    assert "kubectl port-forward service/web 8080:80, then localhost:8080" in render_reach(web.objects)
