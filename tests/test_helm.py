"""Helm: the chart of every sample passes `helm lint --strict`; `helm template -f secret-values.yaml` renders
the plain objects with the same names (only Helm's own labels differ); a value changes exactly its field;
no credential is in the chart; every rendered object passes d2k's validation."""

from __future__ import annotations

import copy
import json
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_kustomize import d2k, plain  # one way to run d2k and read its plain objects

from d2k.emitters.helm import chart
from d2k.emitters.helm_values import camel
from d2k.validate import DEFAULT_K8S_VERSION, validate_objects

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.is_file() and not p.name.startswith("."))
HELM_LABELS = ("helm.sh/chart", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by")
Obj = dict[str, Any]


def write_chart(sample: Path, folder: Path, *extra: str) -> Path:
    done = d2k("from-commands", str(sample), "-q", "--helm", str(folder), *extra)
    assert done.returncode == 0, done.stderr
    return folder


def render(helm: str, folder: Path, *args: str, ok: bool = True) -> list[Obj] | str:
    done = subprocess.run([helm, "template", "rel", str(folder), *args], capture_output=True, text=True, timeout=120)
    if not ok:
        assert done.returncode != 0, done.stdout
        return done.stderr
    assert done.returncode == 0, done.stderr
    return [o for o in yaml.safe_load_all(done.stdout) if o]


def without_owned_labels(objects: list[Obj], owned: tuple[str, ...]) -> dict[tuple[str, str], Obj]:
    """Objects by kind and name, the given label keys removed from every metadata.labels."""

    def strip(node: Any, parent: str = "") -> Any:
        if isinstance(node, list):
            return [strip(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {k: strip(v, k) for k, v in node.items()}
        if parent == "metadata" and isinstance(out.get("labels"), dict):
            out["labels"] = {k: v for k, v in out["labels"].items() if k not in owned}
        return out

    index = {(o["kind"], o["metadata"]["name"]): strip(o) for o in objects}
    assert len(index) == len(objects), "two objects share kind and name"
    return index


def same_as_plain(rendered: list[Obj], objects: list[Obj]) -> None:
    expected = [o for o in objects if o["kind"] != "Namespace"]  # a release installs into its namespace
    assert without_owned_labels(rendered, HELM_LABELS) == without_owned_labels(expected, HELM_LABELS[2:])


@pytest.fixture(scope="module", params=SAMPLES, ids=lambda p: p.name)
def sample_chart(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    sample: Path = request.param
    folder = write_chart(sample, tmp_path_factory.mktemp("chart") / sample.stem)
    return sample, folder


def test_every_sample_chart_passes_helm_lint_strict(sample_chart: tuple[Path, Path], helm: str) -> None:
    _, folder = sample_chart
    done = subprocess.run([helm, "lint", "--strict", str(folder)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 chart(s) failed" in done.stdout


def test_rendered_objects_are_the_plain_objects(sample_chart: tuple[Path, Path], helm: str) -> None:
    sample, folder = sample_chart
    secrets = folder.parent / "secret-values.yaml"
    rendered = render(helm, folder, "-f", str(secrets))
    assert isinstance(rendered, list)
    same_as_plain(rendered, plain(sample))
    assert validate_objects(rendered, DEFAULT_K8S_VERSION) == []
    for obj in rendered:
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/managed-by"] == "Helm" and labels["app.kubernetes.io/instance"] == "rel"


def test_a_chart_for_a_namespace_renders_into_the_release_namespace(tmp_path: Path, helm: str) -> None:
    seed = ROOT / "samples" / "voting-app.md"
    folder = write_chart(seed, tmp_path / "votes", "-n", "votes")
    rendered = render(helm, folder, "-f", str(tmp_path / "secret-values.yaml"), "-n", "votes")
    assert isinstance(rendered, list)
    same_as_plain(rendered, plain(seed, "-n", "votes"))


def test_credentials_stay_out_of_the_chart_and_in_a_0600_file_beside_it(sample_chart: tuple[Path, Path]) -> None:
    sample, folder = sample_chart
    secrets = folder.parent / "secret-values.yaml"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    migrated = yaml.safe_load(secrets.read_text(encoding="utf-8")) or {}
    expected = {camel(o["metadata"]["name"]): o.get("stringData", o.get("data"))
                for o in plain(sample) if o["kind"] == "Secret"}  # fmt: skip
    assert migrated.get("secrets", {}) == expected
    public = json.dumps([o for o in plain(sample) if o["kind"] != "Secret"])  # the seed's password is "postgres"
    credentials = [v for data in expected.values() for v in data.values() if v and v not in public]
    assert credentials or not expected or sample.name == "voting-app.md"  # static-site holds no Secret
    chart_text = "".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file())
    for value in credentials:
        assert value not in chart_text


PLANTED = "plantedHelmPw-31"


def test_a_planted_credential_reaches_only_secret_values(tmp_path: Path, helm: str) -> None:
    script = tmp_path / "run.sh"
    script.write_text(f"docker run -d --name api -p 8080:80 -e DB_PASSWORD={PLANTED} -e MODE=fast nginx:1.27\n",
                      encoding="utf-8")
    folder = write_chart(script, tmp_path / "api")
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            assert PLANTED not in path.read_text(encoding="utf-8"), path
    values = yaml.safe_load((folder / "values.yaml").read_text(encoding="utf-8"))
    assert values["api"]["env"] == {"MODE": "fast"}
    assert PLANTED in (tmp_path / "secret-values.yaml").read_text(encoding="utf-8")
    message = render(helm, folder, ok=False)
    assert "secrets.apiSecret.DB_PASSWORD is not set: pass secret-values.yaml with -f" in message
    assert PLANTED not in message


def test_an_existing_secret_replaces_the_migrated_one(tmp_path: Path, helm: str) -> None:
    folder = write_chart(ROOT / "samples" / "voting-app.md", tmp_path / "votes")
    rendered = render(helm, folder, "--set", "secrets.dbSecret.existingSecret=my-db")
    assert isinstance(rendered, list)
    assert not [o for o in rendered if o["kind"] == "Secret"]
    db = next(o for o in rendered if o["kind"] == "Deployment" and o["metadata"]["name"] == "db")
    refs = [e["valueFrom"]["secretKeyRef"]["name"] for e in db["spec"]["template"]["spec"]["containers"][0]["env"]
            if "valueFrom" in e]  # fmt: skip
    assert refs == ["my-db"]


def changed_fields(before: Any, after: Any, path: str = "") -> list[str]:
    """The paths at which two objects differ (Helm's labels are the same in both renders)."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [p for k in sorted(set(before) | set(after), key=str)
                for p in changed_fields(before.get(k), after.get(k), f"{path}/{k}")]  # fmt: skip
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [p for i, (a, b) in enumerate(zip(before, after, strict=True)) for p in changed_fields(a, b, f"{path}/{i}")]
    return [] if before == after else [path]


@pytest.mark.parametrize(
    ("setting", "changes"),
    [
        ("vote.service.type=LoadBalancer", ["Service/vote/spec/type"]),
        ("db.replicaCount=2", ["Deployment/db/spec/replicas"]),
        ("redis.image.tag=7", ["Deployment/redis/spec/template/spec/containers/0/image"]),
        ("worker.image.pullPolicy=Always", ["Deployment/worker/spec/template/spec/containers/0/imagePullPolicy"]),
        ("result.service.ports.http=8080", ["Service/result/spec/ports/0/port"]),
        ("db.env.POSTGRES_USER=admin", ["Deployment/db/spec/template/spec/containers/0/env/1/value"]),
        ("vote.resources.limits.memory=128Mi", ["Deployment/vote/spec/template/spec/containers/0/resources"]),
    ],
)
def test_a_value_changes_exactly_its_field(setting: str, changes: list[str], tmp_path: Path, helm: str) -> None:
    folder = write_chart(ROOT / "samples" / "voting-app.md", tmp_path / "votes")
    secrets = str(tmp_path / "secret-values.yaml")
    before = render(helm, folder, "-f", secrets)
    after = render(helm, folder, "-f", secrets, "--set", setting)
    assert isinstance(before, list) and isinstance(after, list)
    found = [f"{kind}/{name}{path}" for (kind, name), obj in without_owned_labels(before, ()).items()
             for path in changed_fields(obj, without_owned_labels(after, ())[kind, name])]  # fmt: skip
    assert found == changes
    assert validate_objects(after, DEFAULT_K8S_VERSION) == []


def test_the_schema_refuses_what_kubernetes_would(tmp_path: Path, helm: str) -> None:
    folder = write_chart(ROOT / "samples" / "voting-app.md", tmp_path / "votes")
    secrets = str(tmp_path / "secret-values.yaml")
    for setting in ("vote.service.type=Public", "db.replicaCount=-1", "vote.image.pullPolicy=Sometimes",
                    "vote.servce.type=NodePort", "vote.service.ports.http=70000"):
        message = render(helm, folder, "-f", secrets, "--set", setting, ok=False)
        assert "values don't meet the specifications of the schema" in message, setting


def test_probes_switch_off_one_by_one(tmp_path: Path, helm: str) -> None:
    folder = write_chart(ROOT / "samples" / "webshop.sh", tmp_path / "shop")
    secrets = str(tmp_path / "secret-values.yaml")

    def probes(*args: str) -> list[str]:
        rendered = render(helm, folder, "-f", secrets, *args)
        assert isinstance(rendered, list)
        db = next(o for o in rendered if o["kind"] == "Deployment" and o["metadata"]["name"] == "shop-db")
        return sorted(k for k in db["spec"]["template"]["spec"]["containers"][0] if k.endswith("Probe"))

    assert probes() == ["readinessProbe"]  # a healthcheck is a readiness probe (Docker never restarts on it)
    assert probes("--set", "shopDb.probes.readiness.enabled=false") == []


def test_persistence_size_and_storage_class(tmp_path: Path, helm: str) -> None:
    folder = write_chart(ROOT / "samples" / "webshop.sh", tmp_path / "shop")
    rendered = render(helm, folder, "-f", str(tmp_path / "secret-values.yaml"),
                      "--set", "shopDb.persistence.shopDbData.size=5Gi",
                      "--set", "shopDb.persistence.shopDbData.storageClass=fast")  # fmt: skip
    assert isinstance(rendered, list)
    claim = next(o for o in rendered if o["kind"] == "PersistentVolumeClaim")
    assert claim["spec"]["resources"]["requests"]["storage"] == "5Gi"
    assert claim["spec"]["storageClassName"] == "fast"


def test_template_text_in_values_is_not_run_by_helm(tmp_path: Path, helm: str) -> None:
    script = tmp_path / "run.sh"
    script.write_text("docker run -d --name web --label note='{{ .Release.Name }}' "
                      "-e GREETING='{{ fail \"no\" }}' nginx:1.27\n", encoding="utf-8")  # fmt: skip
    folder = write_chart(script, tmp_path / "web")
    rendered = render(helm, folder, "-f", str(tmp_path / "secret-values.yaml"))
    assert isinstance(rendered, list)
    same_as_plain(rendered, plain(script))


def test_chart_files_and_metadata(sample_chart: tuple[Path, Path]) -> None:
    _, folder = sample_chart
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert {"Chart.yaml", ".helmignore", "values.yaml", "values.schema.json", "templates/_helpers.tpl",
            "templates/NOTES.txt", "templates/deployment.yaml", "templates/service.yaml"} <= set(files)
    meta = yaml.safe_load((folder / "Chart.yaml").read_text(encoding="utf-8"))
    assert meta["apiVersion"] == "v2" and meta["name"] == folder.name and meta["version"] == "0.1.0"
    assert "appVersion" in meta
    schema = json.loads((folder / "values.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["nameOverride"] == {"type": "string"}
    helpers = (folder / "templates" / "_helpers.tpl").read_text(encoding="utf-8")
    for name in ("name", "fullname", "chart", "labels", "selectorLabels"):
        assert f'define "{folder.name}.{name}"' in helpers
    assert "trunc 63" in helpers


def test_notes_say_how_to_reach_each_external_service(tmp_path: Path, helm: str) -> None:
    folder = write_chart(ROOT / "samples" / "voting-app.md", tmp_path / "votes")
    secrets = str(tmp_path / "secret-values.yaml")
    # NOTES.txt renders only at install, which needs a cluster: a copy of the chart renders it with `tpl`
    shutil.copytree(folder, tmp_path / "probe")
    shutil.copy(folder / "templates" / "NOTES.txt", tmp_path / "probe" / "notes.txt")
    (tmp_path / "probe" / "templates" / "notes.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n"
        'data:\n  text: {{ tpl (.Files.Get "notes.txt") . | quote }}\n', encoding="utf-8")

    def notes(*args: str) -> str:
        rendered = render(helm, tmp_path / "probe", "-f", secrets, *args)
        assert isinstance(rendered, list)
        return str(next(o for o in rendered if o["kind"] == "ConfigMap")["data"]["text"])

    text = notes()
    assert "minikube service vote -n default --url" in text and "minikube service result -n default --url" in text
    assert "redis" not in text and "db (" not in text  # internal Services are not for outside callers
    text = notes("--set", "vote.service.type=LoadBalancer", "--set", "db.service.type=NodePort",
                 "--set", "result.service.type=ClusterIP")  # fmt: skip
    assert "kubectl get svc vote -n default --watch" in text and "minikube service db -n default --url" in text
    assert "kubectl port-forward -n default svc/result 4141:4141, then 127.0.0.1:4141" in text
    text = notes("--set", "result.service.ports.http=80")  # only root may listen on 80 here: forwarded from 8080
    assert "kind: kubectl port-forward -n default svc/result 8080:80, then 127.0.0.1:8080" in text


def test_chart_is_deterministic_and_generic_over_kinds() -> None:
    objects = plain(ROOT / "samples" / "webshop.sh")
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate", "labels": {"a": "b"}},
           "spec": {"template": {"spec": {"restartPolicy": "Never",
                                          "containers": [{"name": "migrate", "image": "example/webshop:2.4.1",
                                                          "env": [{"name": "STEP", "value": "all"}]}]}}}}  # fmt: skip
    files, secrets = chart([*objects, job], name="shop", app="webshop")
    again = chart(copy.deepcopy([*objects, job]), name="shop", app="webshop")
    assert (files, secrets) == again
    assert "templates/job.yaml" in files
    values = yaml.safe_load(files["values.yaml"])
    assert values["migrate"]["env"] == {"STEP": "all"} and values["migrate"]["image"]["tag"] == "2.4.1"


def test_an_existing_secret_values_file_is_kept_without_force(tmp_path: Path) -> None:
    secrets = tmp_path / "secret-values.yaml"
    secrets.write_text("mine: 1\n", encoding="utf-8")
    done = d2k("from-commands", "samples/voting-app.md", "-q", "--helm", str(tmp_path / "votes"))
    assert done.returncode == 2 and done.stderr == f"d2k: {secrets}: exists already: add --force to replace it\n"
    assert secrets.read_text(encoding="utf-8") == "mine: 1\n" and not (tmp_path / "votes").exists()
    done = d2k("from-commands", "samples/voting-app.md", "--helm", str(tmp_path / "votes"), "--force")
    assert done.returncode == 0 and done.stdout == ""  # a chart instead of manifests on stdout
    assert f"helm install NAME {tmp_path / 'votes'} -f {secrets}" in done.stderr
    assert "secrets:" in secrets.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("script", "extra"),
    [
        ("docker run -d --name web -p 8080:80 nginx:1.27\n"
         "docker run -d --name proxy --network container:web -e MODE=x example/proxy:1\n", ()),
        ("docker run -d --name web -p 8080:80 --restart no -e A=1 nginx@sha256:" + "a" * 64 + "\n",
         ("--workload", "pod")),
    ],
    ids=["sidecar", "pod"],
)
def test_sidecars_and_bare_pods_render_the_plain_objects(
    script: str, extra: tuple[str, ...], tmp_path: Path, helm: str
) -> None:
    source = tmp_path / "run.sh"
    source.write_text(script, encoding="utf-8")
    folder = write_chart(source, tmp_path / "web", *extra)
    rendered = render(helm, folder, "-f", str(tmp_path / "secret-values.yaml"))
    assert isinstance(rendered, list)
    same_as_plain(rendered, plain(source, *extra))
    values = yaml.safe_load((folder / "values.yaml").read_text(encoding="utf-8"))
    if "proxy" in script:  # the sidecar's values are its own, under its name
        assert values["proxy"]["image"] == {"repository": "example/proxy", "tag": "1", "pullPolicy": "IfNotPresent"}
        assert values["proxy"]["env"] == {"MODE": "x"} and "replicaCount" in values["web"]
    else:
        assert values["web"]["image"]["digest"] == "sha256:" + "a" * 64 and "replicaCount" not in values["web"]
