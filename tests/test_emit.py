"""The Kubernetes emitter: mappings, names and the cases that used to crash or leak."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from d2k.core import Options, convert_text
from d2k.emitters.output import to_yaml
from d2k.emitters.report import render_text, to_json
from d2k.validate import validate_objects


def convert(text: str, tmp: Path | None = None, **options: Any) -> Any:
    result = convert_text(text, "t.sh", options=Options(**options), base_dir=str(tmp or "."))
    assert validate_objects(result.objects, result_version(options)) == []
    return result


def result_version(options: dict[str, Any]) -> str:
    return str(options.get("k8s_version", "1.34"))


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def container(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return by_kind(objects, "Deployment")[name]["spec"]["template"]["spec"]["containers"][0]


def everything(result: Any) -> str:
    """Every channel a user sees, Secrets excepted."""
    public = [o for o in result.objects if o["kind"] != "Secret"]
    return "\n".join([to_yaml(public), render_text(result.report, result.graph, result.objects),
                      to_json(result.report, result.graph, result.objects, ["t.sh"])])  # fmt: skip


def test_a_label_named_like_a_credential_is_not_carried() -> None:
    result = convert("docker run -d --name web --label db_password=plantedQ -l tier=web nginx\n")
    assert "plantedQ" not in everything(result)
    labels = by_kind(result.objects, "Deployment")["web"]["metadata"]["labels"]
    assert labels["tier"] == "web" and "db_password" not in labels
    assert any(d.code == "label-credential" for d in result.report.diagnostics)


def test_a_credential_name_that_is_no_secret_key_gets_a_safe_key() -> None:
    result = convert("docker run -d --name web -e 'A#B_TOKEN=plantedT' -e 'DB PASSWORD=plantedP' nginx\n")
    secret = by_kind(result.objects, "Secret")["web-secret"]["stringData"]
    assert secret == {"A_B_TOKEN": "plantedT", "DB_PASSWORD": "plantedP"}
    env = {e["name"]: e["valueFrom"]["secretKeyRef"]["key"] for e in container(result.objects, "web")["env"]}
    assert env == {"A#B_TOKEN": "A_B_TOKEN", "DB PASSWORD": "DB_PASSWORD"}
    assert "plantedT" not in everything(result) and "plantedP" not in everything(result)


def test_an_env_file_key_no_configmap_can_hold_is_set_inline(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text("GOOD=1\nA#B=2\n")
    result = convert("docker run -d --name web --env-file app.env nginx\n", tmp_path)
    assert by_kind(result.objects, "ConfigMap")["web-env"]["data"] == {"GOOD": "1"}
    assert container(result.objects, "web")["env"] == [{"name": "A#B", "value": "2"}]


def test_an_env_name_kubernetes_refuses_is_reported_not_carried() -> None:
    result = convert("docker run -d --name web -e Aé=1 -e 'A#B=2' nginx\n", k8s_version="1.30")
    assert "env" not in container(result.objects, "web")
    notes = [d.message for d in result.report.diagnostics if d.code == "env-name"]
    assert len(notes) == 2 and "1.30" in notes[0]
    newer = convert("docker run -d --name web -e Aé=1 -e 'A#B=2' nginx\n", k8s_version="1.34")
    assert container(newer.objects, "web")["env"] == [{"name": "A#B", "value": "2"}]


def test_an_env_file_path_with_a_url_password_is_redacted() -> None:
    result = convert("docker run -d --name web --env-file postgres://u:plantedU@h nginx\n")
    assert "plantedU" not in everything(result)


def test_many_containers_of_one_image_get_numbered_names() -> None:
    result = convert_text("docker run -d nginx\n" * 3000, "t.sh", options=Options())
    names = list(result.graph.containers)
    assert names[:3] == ["nginx", "nginx-2", "nginx-3"] and names[-1] == "nginx-3000"
    assert len(set(names)) == 3000


def test_probes_are_separate_objects_without_yaml_anchors() -> None:
    result = convert("docker run -d --name db --health-cmd 'pg_isready' --health-start-period 30s postgres\n",
                     liveness_from_healthcheck=True)
    text = to_yaml(result.objects)
    assert "&id" not in text and "*id" not in text
    spec = container(result.objects, "db")
    assert spec["livenessProbe"]["exec"]["command"] == ["/bin/sh", "-c", "pg_isready"]
    # gives up after 30 s + 3 x 30 s, when Docker would mark it unhealthy: 24 checks 5 s apart
    assert spec["startupProbe"]["failureThreshold"] == 24 and spec["startupProbe"]["periodSeconds"] == 5
    assert spec["livenessProbe"]["exec"] is not spec["readinessProbe"]["exec"]


def test_resources_in_kubernetes_units() -> None:
    result = convert("docker run -d --name app --cpus 1.5 -m 512m --memory-reservation 256m --cpu-shares 512 nginx\n")
    resources = container(result.objects, "app")["resources"]
    assert resources == {"limits": {"cpu": "1500m", "memory": "512Mi"},
                         "requests": {"cpu": "500m", "memory": "256Mi"}}  # fmt: skip
    capped = convert("docker run -d --name app --cpus 0.5 --cpu-shares 2048 nginx\n")
    assert container(capped.objects, "app")["resources"]["requests"] == {"cpu": "500m"}
    assert any(d.code == "request-over-limit" for d in capped.report.diagnostics)


def test_apparmor_is_an_annotation_before_1_30_and_a_field_after() -> None:
    line = "docker run -d --name web --security-opt apparmor=unconfined nginx\n"
    old = by_kind(convert(line, k8s_version="1.29").objects, "Deployment")["web"]["spec"]["template"]
    assert old["metadata"]["annotations"] == {"container.apparmor.security.beta.kubernetes.io/web": "unconfined"}
    new = convert(line, k8s_version="1.30").objects
    assert container(new, "web")["securityContext"]["appArmorProfile"] == {"type": "Unconfined"}


def test_namespace_is_set_everywhere_and_emitted_first() -> None:
    result = convert("docker run -d --name db -e POSTGRES_PASSWORD=x postgres\n", namespace="shop")
    assert result.objects[0]["kind"] == "Namespace"
    assert all(o["metadata"].get("namespace") == "shop" for o in result.objects[1:])


def test_volumes_named_anonymous_bind_and_tmpfs() -> None:
    result = convert("docker run -d --name app -v data:/data -v /cache -v /srv/conf:/conf:ro "
                     "--tmpfs /run:size=16m --shm-size 64m example/app\n", storage_size="5Gi")  # fmt: skip
    spec = by_kind(result.objects, "Deployment")["app"]["spec"]["template"]["spec"]
    volumes = {v["name"]: {k: x for k, x in v.items() if k != "name"} for v in spec["volumes"]}
    assert volumes == {
        "data": {"persistentVolumeClaim": {"claimName": "data"}},
        "app-cache": {"emptyDir": {}},
        "host-srv-conf": {"hostPath": {"path": "/srv/conf"}},
        "tmp-run": {"emptyDir": {"medium": "Memory", "sizeLimit": "16Mi"}},
        "tmp-dev-shm": {"emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
    }
    pvc = by_kind(result.objects, "PersistentVolumeClaim")["data"]
    assert pvc["spec"]["resources"]["requests"]["storage"] == "5Gi"
    mounts = {m["mountPath"]: m.get("readOnly", False) for m in spec["containers"][0]["volumeMounts"]}
    assert mounts == {"/data": False, "/cache": False, "/conf": True, "/run": False, "/dev/shm": False}


def test_restart_policy_within_what_the_workload_allows() -> None:
    line = "docker run -d --name job --restart on-failure:5 example/job\n"
    job = convert(line)  # run-once: a Job that retries 5 times, as Docker did
    assert by_kind(job.objects, "Job")["job"]["spec"]["backoffLimit"] == 5
    assert by_kind(job.objects, "Job")["job"]["spec"]["template"]["spec"]["restartPolicy"] == "OnFailure"
    deployment = convert(line, workload="deployment")
    assert by_kind(deployment.objects, "Deployment")["job"]["spec"]["template"]["spec"]["restartPolicy"] == "Always"
    assert any(d.code == "restart-policy" for d in deployment.report.diagnostics)
    pod = convert(line, workload="pod")
    assert by_kind(pod.objects, "Pod")["job"]["spec"]["restartPolicy"] == "OnFailure"
    assert any(d.code == "restart-retries" for d in pod.report.diagnostics)


def test_yaml_strings_stay_strings_for_every_reader() -> None:
    values = ["yes", "no", "on", "off", "y", "1.10", "0755", "0o755", "1e3", "+.5", "08", "~", "null", "12:30"]
    line = "docker run -d --name app " + " ".join(f"-e V{i}={v}" for i, v in enumerate(values)) + " nginx\n"
    text = to_yaml(convert(line).objects)
    env = {e["name"]: e["value"] for e in container(list(yaml.safe_load_all(text)), "app")["env"]}
    assert env == {f"V{i}": v for i, v in enumerate(values)}


def test_port_names_always_fit_fifteen_characters() -> None:
    from d2k.names import port_name

    for port in (80, 9200, 11211, 27017, 65535):
        for protocol in ("tcp", "udp", "sctp"):
            name = port_name(port, protocol)
            assert len(name) <= 15 and "--" not in name and any(ch.isalpha() for ch in name)
    assert port_name(9200, "udp") == "p9200-udp"


def test_fast_yaml_writes_exactly_what_pyyaml_writes() -> None:
    from d2k.emitters import output

    tricky = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": {}},
              "data": {"multi": "line one\nline two", "empty": "", "yes": "yes", "q": "it's", "k" * 140: "long key",
                       "e": [], "n": None, "t": True, "i": 3, "nested": [{"a": [1, {"b": "c"}]}, []]}}  # fmt: skip
    samples = Path(__file__).resolve().parent.parent / "samples"
    objects = [tricky]
    for sample in sorted(p for p in samples.iterdir() if p.is_file()):  # folders hold files samples mount
        objects += convert_text(sample.read_text(encoding="utf-8"), sample.name, options=Options(),
                                base_dir=str(samples)).objects  # fmt: skip
    for obj in objects:
        assert output.to_yaml([obj]) == "---\n" + output._pyyaml(obj)
    chunks: list[str] = []
    output.write_yaml(objects, chunks.append)
    assert "".join(chunks) == output.to_yaml(objects)


def test_two_volumes_with_one_kubernetes_name_keep_separate_claims() -> None:
    result = convert("docker run -d --name aa -v my_data:/a -v my-data:/b example/a\n"
                     "docker run -d --name bb -v my_data:/a example/b\n")  # fmt: skip
    claims = by_kind(result.objects, "PersistentVolumeClaim")
    assert sorted(claims) == ["my-data", "my-data-2"]
    assert claims["my-data"]["metadata"]["annotations"] == {"d2k.io/docker-volume": "my_data"}
    aa = {v["persistentVolumeClaim"]["claimName"] for v in
          by_kind(result.objects, "Deployment")["aa"]["spec"]["template"]["spec"]["volumes"]}  # fmt: skip
    bb = by_kind(result.objects, "Deployment")["bb"]["spec"]["template"]["spec"]["volumes"]
    assert aa == {"my-data", "my-data-2"} and bb[0]["persistentVolumeClaim"]["claimName"] == "my-data"
    assert any(d.code == "claim-renamed" for d in result.report.diagnostics)


def test_pods_stop_as_docker_stop_stops_the_container() -> None:
    """Docker (and Compose) kill 10 s after the stop signal unless --stop-timeout says otherwise; the kubelet
    waits 30 s: every pod gets Docker's figure, a Pod of several containers the longest."""
    result = convert("docker run -d --name plain nginx:1.27\n"
                     "docker run -d --name slow --stop-timeout 45 nginx:1.27\n"
                     "docker run -d --name app nginx:1.27\n"
                     "docker run -d --name side --network container:app --stop-timeout 3 busybox:1.36 sleep 1d\n"
                     "docker run --rm --name once busybox:1.36 true\n")
    deployments = by_kind(result.objects, "Deployment")
    grace = {name: d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] for name, d in deployments.items()}
    assert grace == {"plain": 10, "slow": 45, "app": 10}  # app's Pod: app 10 s, its sidecar 3 s
    (job,) = by_kind(result.objects, "Job").values()
    assert job["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 10


def test_a_pod_wide_namespace_one_container_asked_for_is_reported_on_the_others() -> None:
    result = convert_text("docker run -d --name app nginx:1.25\n"
                          "docker run -d --name side --network container:app --ipc host --pid host busybox:1.36\n"
                          "docker run -d --name dbg --network container:app --pid container:side busybox:1.36\n",
                          "run.sh", options=Options())
    spec = next(o for o in result.objects if o["kind"] == "Deployment")["spec"]["template"]["spec"]
    assert spec["hostIPC"] is True and spec["hostPID"] is True
    assert "shareProcessNamespace" not in spec  # the node's PID namespace holds them all; the API refuses both
    assert validate_objects(result.objects) == []
    notes = [(d.container, d.message) for d in result.report.diagnostics if d.code == "pod-wide-namespace"]
    assert ("app", "--ipc host of side is Pod-wide in Kubernetes (hostIPC): app, in the same Pod, shares the node's "
                   "IPC namespace too, which it did not under Docker") in notes
    assert {c for c, m in notes if "(hostIPC)" in m} == {"app", "dbg"}
    assert {c for c, m in notes if "(hostPID)" in m} == {"app", "dbg"}
    assert not [m for _c, m in notes if "(shareProcessNamespace)" in m]
    shared = convert_text("docker run -d --name app nginx:1.25\n"
                          "docker run -d --name side --network container:app --pid container:app busybox:1.36\n"
                          "docker run -d --name third --network container:app busybox:1.36\n",
                          "run.sh", options=Options())
    spec = next(o for o in shared.objects if o["kind"] == "Deployment")["spec"]["template"]["spec"]
    assert spec["shareProcessNamespace"] is True and validate_objects(shared.objects) == []
    notes = [(d.container, d.message) for d in shared.report.diagnostics if d.code == "pod-wide-namespace"]
    assert [c for c, m in notes if "(shareProcessNamespace)" in m] == ["third"]  # app and side shared it already
    pid = next(f for f in result.graph.containers["dbg"].flags if f.flag == "--pid")
    assert pid.fate.value == "approximated" and "PID 1 is the Pod's pause process" in pid.note
