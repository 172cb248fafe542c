"""Every emitted object read by the official Kubernetes client's typed models and written back unchanged.

An independent check beside the JSON schemas: a misspelt field, a string where the API wants a
number, or a field the API does not know would be dropped or changed by the round trip.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from d2k.core import Options, convert_text
from d2k.emitters.ingress import IngressOptions

kubernetes = pytest.importorskip("kubernetes", reason="the kubernetes client is a test dependency: pip install -e .[test]")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.is_file())
RICH = (
    "docker network create app\n"
    "docker run -d --name api --network app --network-alias backend -p 30080:8080 -p 53:53/udp "
    "--cpus 1.5 -m 512m --memory-reservation 256m --health-cmd 'curl -f localhost:8080' --health-start-period 20s "
    "--cap-add NET_ADMIN --cap-drop ALL --read-only --tmpfs /run:size=16m --shm-size 128m -u 1000:1000 "
    "--group-add 2000 --add-host db.local:10.0.0.5 --dns 1.1.1.1 --dns-search corp --dns-option ndots:2 "
    "--sysctl net.ipv4.tcp_syncookies=1 --security-opt no-new-privileges --restart on-failure:3 "
    "--stop-timeout 30 --platform linux/arm64 -t -i -l tier=web -v data:/data -v /srv/conf:/conf:ro "
    "-e API_TOKEN=planted -e MODE=prod example/api:1 serve --port 8080\n"
    "docker run -d --name side --network container:api --pid container:api example/sidecar\n"
)


def kinds() -> dict[str, str]:
    return {"Deployment": "V1Deployment", "Job": "V1Job", "Pod": "V1Pod", "Service": "V1Service", "ConfigMap": "V1ConfigMap",
            "Secret": "V1Secret", "PersistentVolumeClaim": "V1PersistentVolumeClaim", "Namespace": "V1Namespace",
            "NetworkPolicy": "V1NetworkPolicy", "Ingress": "V1Ingress",
            "PersistentVolume": "V1PersistentVolume"}


def round_trip(obj: dict[str, Any]) -> Any:
    api = kubernetes.client.ApiClient()
    model = api._ApiClient__deserialize(obj, kinds()[obj["kind"]])
    return api.sanitize_for_serialization(model)


def inputs() -> list[tuple[str, str, Options]]:
    cases = [(s.name, s.read_text(encoding="utf-8"), Options()) for s in SAMPLES]
    cases.append(("rich", RICH, Options(namespace="shop")))
    cases.append(("rich-pods", RICH, Options(workload="pod", expose_type="LoadBalancer")))
    web = IngressOptions("apps.example.com", "nginx", "apps-tls")
    cases.append(("rich-egress-ingress", RICH, Options(part_of="rich", network_policies="egress", ingress=web)))
    cases += [(f"{s.name}-network", s.read_text(encoding="utf-8"),
               Options(network_policies="network", ingress=web, expose_type="ClusterIP")) for s in SAMPLES]
    return cases


@pytest.mark.parametrize(("name", "text", "options"), inputs(), ids=[c[0] for c in inputs()])
def test_objects_survive_the_official_client_models(name: str, text: str, options: Options) -> None:
    objects = convert_text(text, name, options=options, base_dir=str(ROOT / "samples")).objects
    assert objects
    for obj in objects:
        assert round_trip(obj) == obj, f"{obj['kind']}/{obj['metadata']['name']} changed in the round trip"


@pytest.mark.parametrize("version", ["1.25", "1.29", "1.30", "1.34", "1.37"])
@pytest.mark.parametrize(("name", "text", "options"), inputs(), ids=[c[0] for c in inputs()])
def test_objects_validate_against_each_supported_release(
    name: str, text: str, options: Options, version: str
) -> None:
    from d2k.records import replace
    from d2k.validate import validate_objects

    targeted = replace(options, k8s_version=version)
    objects = convert_text(text, name, options=targeted, base_dir=str(ROOT / "samples")).objects
    assert [p.render() for p in validate_objects(objects, version)] == []
