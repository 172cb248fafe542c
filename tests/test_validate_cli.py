"""`d2k validate` as users meet it: folders (-R), where each problem is, how much was checked, what is skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
BAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: BAD\n"


def d2k(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "d2k", *args], capture_output=True, text=True, cwd=ROOT,
                          input=stdin, env=ENV, timeout=120)


def make_tree(tmp: Path) -> Path:
    out = tmp / "k8s"
    assert d2k("from-commands", "samples/voting-app.md", "--out", str(out), "-q").returncode == 0
    (out / "kustomization.yaml").write_text("resources: [db-service.yaml]\n", encoding="utf-8")
    (out / "extra").mkdir()
    (out / "extra" / "bad.yaml").write_text(BAD, encoding="utf-8")
    return out


def test_a_folder_is_read_at_its_top_level_and_says_what_it_skipped(tmp_path: Path) -> None:
    out = make_tree(tmp_path)
    done = d2k("validate", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"d2k: {out}/extra: skipped: a folder (add -R to read folders too)",
        f"d2k: {out}/kustomization.yaml: skipped: a Kustomize file (kubectl apply -k reads it)",
        "d2k: 10 objects checked in 10 files: 0 problems",
    ]


def test_recursive_names_the_file_and_document_of_each_problem(tmp_path: Path) -> None:
    out = make_tree(tmp_path)
    done = d2k("validate", "-R", str(out))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert f"{out}/extra/bad.yaml:6: document 2: Service/BAD: spec.ports: Required value" in lines
    assert lines[-1] == "d2k: 12 objects checked in 11 files: 2 problems"
    assert d2k("validate", "--recursive", str(out)).stderr == done.stderr


def test_a_helm_chart_is_skipped_not_reported_invalid(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: x\nversion: 0.1.0\n", encoding="utf-8")
    (chart / "values.yaml").write_text("replicas: 1\n", encoding="utf-8")
    (chart / "templates" / "_helpers.tpl").write_text('{{ define "x" }}{{ end }}\n', encoding="utf-8")
    (chart / "templates" / "svc.yaml").write_text("kind: Service\nmetadata:\n  name: {{ .Release.Name }}\n",
                                                  encoding="utf-8")
    (chart / "templates" / "cm.yaml").write_text(BAD.split("---\n")[0], encoding="utf-8")
    done = d2k("validate", "-R", str(chart))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"d2k: {chart}/Chart.yaml: skipped: a Helm chart's description (helm template renders the chart)",
        f"d2k: {chart}/templates/_helpers.tpl: skipped: a Helm template file, not YAML",
        f"d2k: {chart}/values.yaml: skipped: a Helm chart's values (helm template renders the chart)",
        f"d2k: {chart}/templates/svc.yaml: skipped: a Helm template (helm template renders it first)",
        "d2k: 1 object checked in 1 file: 0 problems",
    ]


def test_empty_input_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("---\n", encoding="utf-8")
    for args, stdin in ((["validate", str(tmp_path / "empty.yaml")], None), (["validate", "-"], ""),
                        (["validate", str(tmp_path)], None)):
        done = d2k(*args, stdin=stdin)
        assert done.returncode == 2 and done.stderr.count("\n") == 1
        assert "no Kubernetes object in it" in done.stderr
    missing = d2k("validate", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
