"""Storage that keeps its data (issue 9, item 5): each test names the Docker behaviour it pins.

The engine tests at the end run on the private engine: Docker copies an image's files into a new
volume, and the initContainer d2k emits copies the same files (owners and modes too) into an empty one.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from d2k import catalog
from d2k.core import Options, convert_graph, convert_text
from d2k.emitters.report import render_text, to_json
from d2k.errors import InputError
from d2k.infer import RULES, Inference, image_content
from d2k.model import Container, Fate, Graph, Mount, Origin
from d2k.report import Report, Severity
from d2k.validate import validate_objects

ROOT = Path(__file__).resolve().parent.parent


def convert(text: str, tmp: Path | None = None, **options: Any) -> Any:
    result = convert_text(text, "t.sh", options=Options(**options), base_dir=str(tmp or "."))
    assert validate_objects(result.objects) == []
    return result


def kinds(result: Any, kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in result.objects if o["kind"] == kind}


def pod(result: Any, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = kinds(result, "Deployment")[name]["spec"]["template"]["spec"]
    return spec


def mounts(result: Any, name: str) -> dict[str, dict[str, Any]]:
    return {m["mountPath"]: m for m in pod(result, name)["containers"][0].get("volumeMounts", [])}


def volumes(result: Any, name: str) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in pod(result, name).get("volumes", [])}


def codes(result: Any, severity: Severity | None = None) -> list[str]:
    return [d.code for d in result.report.diagnostics if severity is None or d.severity is severity]


def notes(result: Any, container: str) -> dict[str, tuple[Fate, str]]:
    return {f.text: (f.fate, f.note) for f in result.graph.containers[container].flags}


# ---- Docker copies the image's files into a new volume mounted over them


def test_catalog_knows_where_images_hold_files() -> None:
    assert catalog.image_content("nginx:1.27") == ["/etc/nginx", "/usr/share/nginx/html"]
    assert catalog.image_content("postgres:16") == []  # PGDATA is created empty by the Dockerfile
    assert catalog.image_content("redis") == [] and catalog.image_content("myorg/app") is None
    assert catalog.image_content("cassandra") is None  # its content was not checked
    content = ["/etc/nginx"]
    assert catalog.over_content("/etc/nginx", content) and catalog.over_content("/etc/nginx/", content)
    assert catalog.over_content("/etc", content) and catalog.over_content("/etc/nginx/conf.d", content)
    assert not catalog.over_content("/etc/nginx-extra", content) and not catalog.over_content("/data", content)


def test_image_content_rule_seeds_only_volumes_over_image_files_without_nocopy() -> None:
    origin = Origin("t.sh", 1)
    c = Container("web", "nginx", origin, mounts=[
        Mount("volume", "/etc/nginx", "conf"), Mount("volume", "/usr/share/nginx/html"),
        Mount("volume", "/data", "data"), Mount("bind", "/etc/nginx/nginx.conf", "/srv/nginx.conf"),
        Mount("volume", "/etc/nginx/conf.d", "x", options=("nocopy",)),
        Mount("volume", "/usr/share/nginx/html/y", "y", options=("volume-nocopy=true",)),
    ])  # fmt: skip
    graph = Graph(containers={"web": c})
    inf = Inference(Report())
    image_content(graph, inf)
    assert graph.seeds == {"web": ["/etc/nginx", "/usr/share/nginx/html"]}
    names = [rule.__name__ for rule in RULES]
    assert names.index("image_volumes") < names.index("image_content")  # the image's VOLUMEs are filled too


def test_a_named_volume_over_nginx_config_gets_a_seed_init_container() -> None:
    result = convert("docker run -d --name web -v conf:/etc/nginx -v /usr/share/nginx/html nginx:1.27\n")
    spec = pod(result, "web")
    seeds = {i["name"]: i for i in spec["initContainers"]}
    assert set(seeds) == {"seed-conf", "seed-web-usr-share-nginx-html"}
    seed = seeds["seed-conf"]
    assert seed["image"] == "nginx:1.27" and seed["securityContext"] == {"runAsUser": 0}
    assert seed["volumeMounts"] == [{"name": "conf", "mountPath": "/d2k-seed"}]
    script = seed["command"][2]
    assert seed["command"][:2] == ["sh", "-c"] and "cp -a /etc/nginx/. /d2k-seed/" in script
    assert "lost+found" in script and "$" not in script.replace("$'", "").replace("found$'", "")
    assert volumes(result, "web")["web-usr-share-nginx-html"]["emptyDir"] == {}
    assert "image-content" in codes(result, Severity.APPROXIMATED)


def test_nocopy_and_empty_image_directories_get_no_seed() -> None:
    result = convert("docker run -d --name web -v conf:/etc/nginx:nocopy nginx\n"
                     "docker run -d --name db -e POSTGRES_PASSWORD=x -v pg:/var/lib/postgresql/data postgres:16\n"
                     "docker run -d --name web2 --mount type=volume,src=c2,dst=/etc/nginx,volume-nocopy nginx\n")
    for name in ("web", "db", "web2"):
        assert "initContainers" not in pod(result, name), name
    assert "image-content" not in codes(result)
    # nocopy is carried (no copy, as in Docker): the flag is not reported as a dropped option
    assert notes(result, "web")["-v conf:/etc/nginx:nocopy"][0] is Fate.MAPPED


def test_an_unknown_image_gets_a_note_that_docker_may_have_copied_files() -> None:
    result = convert("docker run -d --name app -v appdata:/srv/data myorg/app:1\n")
    assert "initContainers" not in pod(result, "app")
    assert "image-content-unknown" in codes(result, Severity.INFO)


def test_the_seed_pulls_its_image_as_the_container_does() -> None:
    result = convert("docker run -d --name web --pull always -v conf:/etc/nginx nginx\n")
    container = pod(result, "web")["containers"][0]
    seed = pod(result, "web")["initContainers"][0]
    assert seed.get("imagePullPolicy") == container.get("imagePullPolicy") == "Always"


# ---- ReadWriteOnce claims: one node; Recreate rollouts


def test_a_rwo_claim_shared_by_two_workloads_is_reported_and_read_write_many_offered() -> None:
    text = "docker run -d --name aa -v shared:/data alpine\ndocker run -d --name bb -v shared:/data alpine\n"
    result = convert(text)
    assert kinds(result, "PersistentVolumeClaim")["shared"]["spec"]["accessModes"] == ["ReadWriteOnce"]
    shared = [d for d in result.report.diagnostics if d.code == "shared-claim"]
    assert len(shared) == 1 and "--access-mode ReadWriteMany" in shared[0].message
    assert shared[0].severity is Severity.APPROXIMATED
    rwx = convert(text, access_mode="ReadWriteMany")
    assert kinds(rwx, "PersistentVolumeClaim")["shared"]["spec"]["accessModes"] == ["ReadWriteMany"]
    assert "shared-claim" not in codes(rwx)
    assert "strategy" not in kinds(rwx, "Deployment")["aa"]["spec"]


def test_a_deployment_with_a_rwo_claim_is_recreated_not_rolled() -> None:
    result = convert("docker run -d --name db -v pg:/var/lib/postgresql/data postgres\n"
                     "docker run -d --name web -v /cache nginx\n")
    assert kinds(result, "Deployment")["db"]["spec"]["strategy"] == {"type": "Recreate"}
    assert "strategy" not in kinds(result, "Deployment")["web"]["spec"]


# ---- bind mounts: relative sources, files beside the input, sockets and devices


def test_a_relative_bind_source_is_made_absolute_against_the_input_folder(tmp_path: Path) -> None:
    result = convert("docker run -d --name app -v ./data:/data --mount type=bind,src=./logs,dst=/logs alpine\n",
                     tmp_path)  # fmt: skip
    host = {v["hostPath"]["path"] for v in volumes(result, "app").values() if "hostPath" in v}
    assert host == {str(tmp_path / "data"), str(tmp_path / "logs")}
    fate, note = notes(result, "app")["-v ./data:/data"]
    assert fate is Fate.APPROXIMATED and "made absolute against the input's folder" in note and str(tmp_path) in note


def test_a_config_file_beside_the_input_becomes_a_configmap_mounted_with_subpath(tmp_path: Path) -> None:
    (tmp_path / "nginx.conf").write_text("events {}\n")
    result = convert("docker run -d --name web -v ./nginx.conf:/etc/nginx/nginx.conf:ro nginx\n", tmp_path)
    config = kinds(result, "ConfigMap")["web-file-nginx-conf"]
    assert config["data"] == {"nginx.conf": "events {}\n"}
    mount = mounts(result, "web")["/etc/nginx/nginx.conf"]
    assert mount["subPath"] == "nginx.conf" and mount["readOnly"] is True
    assert volumes(result, "web")[mount["name"]]["configMap"] == {"name": "web-file-nginx-conf"}
    assert "hostPath" not in str(volumes(result, "web"))
    fate, note = notes(result, "web")["-v ./nginx.conf:/etc/nginx/nginx.conf:ro"]
    assert fate is Fate.APPROXIMATED and "subPath mounts get no updates" in note
    assert "initContainers" not in pod(result, "web")  # a bind is never filled from the image


def test_a_credential_file_becomes_a_secret_and_its_value_stays_out_of_the_report(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text("DB_PASSWORD=plantedZ\n")
    (tmp_path / "tls.key").write_text("-----BEGIN PRIVATE KEY-----\nplantedK\n")
    result = convert("docker run -d --name app -v ./app.env:/etc/app.env -v ./tls.key:/etc/tls.key:ro alpine\n",
                     tmp_path)  # fmt: skip
    secrets = kinds(result, "Secret")
    assert secrets["app-file-app-env"]["stringData"] == {"app.env": "DB_PASSWORD=plantedZ\n"}
    assert "tls.key" in secrets["app-file-tls-key"]["stringData"]
    assert not kinds(result, "ConfigMap")
    shown = render_text(result.report, result.graph, result.objects) + to_json(
        result.report, result.graph, result.objects, ["t.sh"])
    assert "plantedZ" not in shown and "plantedK" not in shown
    fate, note = notes(result, "app")["-v ./app.env:/etc/app.env"]
    assert "a Secret" in note and "writes fail" in note  # rw in Docker, read-only in the Pod


def test_a_small_folder_becomes_a_configmap_binary_and_executable_files_kept(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>hi</h1>\n")
    (site / "logo.png").write_bytes(b"\x89PNG\x00\xff")
    (site / "run.sh").write_text("#!/bin/sh\n")
    (site / "run.sh").chmod(0o755)
    result = convert("docker run -d --name web -v ./site:/usr/share/nginx/html:ro nginx\n", tmp_path)
    config = kinds(result, "ConfigMap")["web-dir-site"]
    assert set(config["data"]) == {"index.html", "run.sh"} and config["binaryData"] == {"logo.png": "iVBORwD/"}
    mount = mounts(result, "web")["/usr/share/nginx/html"]
    assert "subPath" not in mount
    items = volumes(result, "web")[mount["name"]]["configMap"]["items"]
    assert {i["key"]: i.get("mode") for i in items} == {"index.html": None, "logo.png": None, "run.sh": 0o755}


def test_a_big_file_or_a_nested_folder_stays_a_host_path(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"x" * 1_000_001)
    (tmp_path / "big.bin").write_bytes(b"\xff" * 800_000)  # fits as bytes, not as base64 binaryData
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    result = convert("docker run -d --name app -v ./big.txt:/big.txt -v ./big.bin:/big.bin -v ./tree:/tree alpine\n",
                     tmp_path)  # fmt: skip
    assert not kinds(result, "ConfigMap")
    assert {v["hostPath"]["path"] for v in volumes(result, "app").values()} == {
        str(tmp_path / "big.txt"), str(tmp_path / "big.bin"), str(tmp_path / "tree")}
    assert "more than a ConfigMap holds" in notes(result, "app")["-v ./big.bin:/big.bin"][1]


def test_the_docker_socket_and_devices_stay_host_paths_with_what_they_grant() -> None:
    result = convert("docker run -d --name ci -v /var/run/docker.sock:/var/run/docker.sock -v /dev/snd:/dev/snd "
                     "alpine\n")
    paths = {v["hostPath"]["path"] for v in volumes(result, "ci").values()}
    assert paths == {"/var/run/docker.sock", "/dev/snd"}
    flag_notes = notes(result, "ci")
    assert "root on the node" in flag_notes["-v /var/run/docker.sock:/var/run/docker.sock"][1]
    assert "privileged" in flag_notes["-v /dev/snd:/dev/snd"][1]


# ---- docker cp and docker volume create


def test_docker_cp_of_a_file_beside_the_input_is_a_configmap_at_the_path(tmp_path: Path) -> None:
    (tmp_path / "default.conf").write_text("server {}\n")
    result = convert("docker run -d --name web nginx\ndocker cp ./default.conf web:/etc/nginx/conf.d/\n"
                     "docker cp web:/etc/nginx/nginx.conf ./out.conf\n", tmp_path)  # fmt: skip
    mount = mounts(result, "web")["/etc/nginx/conf.d/default.conf"]
    assert mount["subPath"] == "default.conf" and mount["readOnly"] is True
    assert kinds(result, "ConfigMap")["web-file-default-conf"]["data"] == {"default.conf": "server {}\n"}
    cp = [d for d in result.report.diagnostics if d.code == "docker-cp"]
    assert len(cp) == 1 and cp[0].severity is Severity.APPROXIMATED and cp[0].container == "web"
    assert "skipped-command" in codes(result, Severity.INFO)  # the copy out changes nothing that runs


def test_docker_cp_of_a_missing_file_is_not_carried_and_strict_fails(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text("docker run -d --name web nginx\ndocker cp ./absent.conf web:/etc/x.conf\n")
    result = convert(script.read_text(), tmp_path)
    assert "docker-cp" in codes(result, Severity.NOT_CARRIED)
    done = subprocess.run([sys.executable, "-m", "d2k", "from-commands", str(script), "--strict"],
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert done.returncode == 1 and "absent.conf" in done.stderr


NFS = ("docker volume create --driver local --opt type=nfs --opt o=addr=10.0.0.5,rw,nfsvers=4.1 "
       "--opt device=:/export/shop shopdata\n")  # fmt: skip


def test_an_nfs_volume_becomes_a_persistent_volume_bound_to_its_claim() -> None:
    result = convert(NFS + "docker run -d --name aa -v shopdata:/data alpine\ndocker run -d --name bb -v shopdata:/d alpine\n")
    pv = kinds(result, "PersistentVolume")["shopdata"]
    assert pv["spec"]["nfs"] == {"server": "10.0.0.5", "path": "/export/shop"}
    assert pv["spec"]["mountOptions"] == ["nfsvers=4.1"] and pv["spec"]["accessModes"] == ["ReadWriteMany"]
    assert "namespace" not in pv["metadata"] and "claimRef" not in pv["spec"]
    claim = kinds(result, "PersistentVolumeClaim")["shopdata"]["spec"]
    assert claim["volumeName"] == "shopdata" and claim["storageClassName"] == ""
    assert claim["accessModes"] == ["ReadWriteMany"]
    assert "shared-claim" not in codes(result) and "strategy" not in kinds(result, "Deployment")["aa"]["spec"]
    namespaced = convert(NFS + "docker run -d --name aa -v shopdata:/data alpine\n", namespace="shop")
    pv = kinds(namespaced, "PersistentVolume")["shop-shopdata"]
    assert pv["spec"]["claimRef"] == {"namespace": "shop", "name": "shopdata"} and "namespace" not in pv["metadata"]


def test_tmpfs_and_bind_volumes_and_unsupported_options() -> None:
    result = convert(
        "docker volume create -o type=tmpfs -o device=tmpfs -o o=size=64m,uid=1000 scratch\n"
        "docker volume create -o type=none -o o=bind -o device=/srv/data hostdata\n"
        "docker volume create -o type=cifs -o device=//srv/share -o o=username=u,password=plantedC smb\n"
        "docker volume create -o type=nfs,o=addr=10.0.0.5 -o device=:/x compact\n"
        "docker volume create -d rexray/ebs ebs\n"
        "docker run -d --name aa -v scratch:/s -v hostdata:/h -v smb:/m -v compact:/c -v ebs:/e alpine\n")
    vols = volumes(result, "aa")
    assert vols["scratch"]["emptyDir"] == {"medium": "Memory", "sizeLimit": "64Mi"}
    assert kinds(result, "PersistentVolume")["hostdata"]["spec"]["hostPath"] == {"path": "/srv/data"}
    assert set(kinds(result, "PersistentVolumeClaim")) == {"hostdata", "smb", "compact", "ebs"}
    not_carried = [d.message for d in result.report.diagnostics if d.severity is Severity.NOT_CARRIED]
    assert any("give each option its own --opt" in m for m in not_carried)
    assert any("SMB CSI driver" in m for m in not_carried) and any("rexray/ebs" in m for m in not_carried)
    assert "plantedC" not in render_text(result.report, result.graph, result.objects)  # a CIFS password


@pytest.mark.parametrize(("line", "message"), [
    ("docker volume create -o bogus=1 v\n", "invalid option: 'bogus'"),
    ("docker volume create -o type=nfs v\n", "missing required option: 'device'"),
    ("docker volume create -o o=addr=1.2.3.4 -o device=:/x v\n", "missing required option: 'type'"),
])  # fmt: skip
def test_volume_options_the_local_driver_refuses_are_refused(line: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        convert_text(line + "docker run -v v:/v alpine\n", "t.sh", options=Options())


# ---- validation of the new objects


def test_validation_catches_a_claim_that_cannot_bind_its_persistent_volume() -> None:
    result = convert(NFS + "docker run -d --name aa -v shopdata:/data alpine\n", namespace="shop")
    objects = [dict(o) for o in result.objects]
    pv = next(o for o in objects if o["kind"] == "PersistentVolume")
    claim = next(o for o in objects if o["kind"] == "PersistentVolumeClaim")
    pv["metadata"] = {**pv["metadata"], "namespace": "shop"}
    pv["spec"] = {**pv["spec"], "accessModes": ["ReadWriteOnce"], "claimRef": {"namespace": "shop", "name": "other"},
                  "capacity": {"storage": "1Mi"}}  # fmt: skip
    claim["spec"] = {k: v for k, v in claim["spec"].items() if k != "storageClassName"}
    problems = "\n".join(p.render() for p in validate_objects(objects))
    for expected in ("cluster-scoped", "does not offer ReadWriteMany", "must equal PersistentVolume",
                     "more than PersistentVolume", "reserved for shop/other"):  # fmt: skip
        assert expected in problems, expected
    pv["spec"] = {**pv["spec"], "nfs": {"server": "", "path": "export"}, "accessModes": ["Bogus"]}
    problems = "\n".join(p.render() for p in validate_objects(objects))
    assert "spec.nfs.server" in problems and "absolute path" in problems and "Unsupported value: 'Bogus'" in problems


# ---- the real engine: what Docker copies, and what the seed initContainer copies


def _listing(volume: str) -> list[str]:
    """Every file under a volume with owner, group, mode, size and checksum (run in the stand-in's busybox)."""
    script = "cd /v && find . | sort | while read -r f; do stat -c '%n %u %g %a %s' \"$f\"; " \
             "[ -f \"$f\" ] && md5sum \"$f\"; done; true"  # fmt: skip
    done = subprocess.run(["docker", "run", "--rm", "-v", f"{volume}:/v", "--entrypoint", "sh", "nginx:stand-in",
                           "-c", script], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def _run_seed(seed: dict[str, Any], volume: str) -> None:
    """The initContainer as the kubelet runs it: its image, its command, the volume at its mount path, as root."""
    mount = seed["volumeMounts"][0]["mountPath"]
    argv = ["docker", "run", "--rm", "--user", str(seed["securityContext"]["runAsUser"]), "-v", f"{volume}:{mount}",
            "--entrypoint", seed["command"][0], seed["image"], *seed["command"][1:]]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, shlex.join(argv) + ": " + done.stderr


@pytest.mark.engine
def test_docker_copies_image_files_into_a_new_volume_and_the_seed_copies_the_same(made: Any) -> None:
    by_docker, by_seed, no_copy = (made.volume(f"{made.prefix}-{n}") for n in ("docker", "seed", "nocopy"))
    # Docker: a new named volume mounted over /usr/share/nginx/html receives the image's files
    made.docker(f"docker run --rm -v {by_docker}:/usr/share/nginx/html --entrypoint true nginx:stand-in")
    copied = _listing(by_docker)
    assert any("index.html 101 101 644" in line for line in copied), copied
    # ... but not with nocopy
    made.docker(f"docker run --rm -v {no_copy}:/usr/share/nginx/html:nocopy --entrypoint true nginx:stand-in")
    assert [line.split()[0] for line in _listing(no_copy)] == ["."]  # the volume stays empty
    # d2k: the same lines give an initContainer for the first and none for nocopy
    result = convert(f"docker run -d --name web -v {by_seed}:/usr/share/nginx/html nginx:stand-in\n"
                     f"docker run -d --name bare -v {no_copy}:/usr/share/nginx/html:nocopy nginx:stand-in\n")
    assert "initContainers" not in pod(result, "bare")
    (seed,) = pod(result, "web")["initContainers"]
    _run_seed(seed, by_seed)
    assert _listing(by_seed) == copied  # same files, owners, modes and bytes as Docker's copy
    # a volume that already has data is left alone, as Docker leaves a used volume alone
    made.docker(f"docker run --rm -v {by_seed}:/v --entrypoint sh nginx:stand-in -c 'echo changed > /v/index.html'")
    changed = _listing(by_seed)
    _run_seed(seed, by_seed)
    assert _listing(by_seed) == changed != copied


@pytest.mark.engine
def test_from_running_seeds_a_volume_over_image_files(engine: Any, made: Any) -> None:
    from d2k.parsers.engine import read_engine

    name = f"{made.prefix}-web"
    made.run(f"docker run -d --name {name} -v {made.prefix}-conf:/etc/nginx nginx:stand-in")
    made.volumes.append(f"{made.prefix}-conf")
    read = read_engine([name], client=engine)
    graph = Graph(containers={c.name: c for c in read.containers}, volumes=read.volumes)
    result = convert_graph(graph, report=Report(), options=Options())
    (seed,) = pod(result, name)["initContainers"]
    assert "cp -a /etc/nginx/. /d2k-seed/" in seed["command"][2]


def _d2k(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "d2k", *args], capture_output=True, text=True, cwd=ROOT)


def test_access_mode_option_sets_every_claim_and_read_write_once_pod_needs_1_27(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text("docker run -d --name db -v pg:/var/lib/postgresql/data postgres\n")
    done = _d2k("from-commands", str(script), "--access-mode", "ReadWriteMany", "-q")
    assert done.returncode == 0 and "- ReadWriteMany" in done.stdout and "Recreate" not in done.stdout
    done = _d2k("from-commands", str(script), "--access-mode", "ReadWriteOncePod", "--k8s-version", "1.26")
    assert done.returncode == 2 and "needs Kubernetes 1.27" in done.stderr and done.stdout == ""
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "pg"},
             "spec": {"accessModes": ["ReadWriteOncePod"], "resources": {"requests": {"storage": "1Gi"}}}}  # fmt: skip
    assert validate_objects([claim], "1.27") == []
    assert "enabled by default from 1.27" in validate_objects([claim], "1.26")[0].render()
