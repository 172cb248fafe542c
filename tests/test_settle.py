"""Settling (d2k.settle): objects checked, written and cut down as they are made must check and print exactly
as whole objects do; a settled object keeps no pod spec and no credential; Secrets never reach the spool.

tests/test_golden.py compares every golden case's settled output with its whole one; here the checks across
the set are compared on broken sets, where they have something to find.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from d2k import settle as settle_module
from d2k.core import Options, convert_text
from d2k.emitters.ingress import IngressOptions
from d2k.emitters.output import Written, to_json, to_yaml
from d2k.model import Container, Origin, seal
from d2k.settle import Settler
from d2k.validate import DEFAULT_K8S_VERSION, validate_objects

ROOT = Path(__file__).resolve().parent.parent
Obj = dict[str, Any]

WEB = """\
docker network create shop
docker volume create data
docker run -d --name db --network shop -e POSTGRES_PASSWORD=s3cret-value -v data:/var/lib/postgresql/data postgres:16
docker run -d --name api --network shop -p 30080:8080 -e DB_HOST=db --env-file api.env example.com/api:1.0
docker run --rm --name migrate --network shop -e DB_HOST=db example.com/api:1.0 migrate
docker run -d --name web --network shop -p 8081:80 -e API_URL=http://api:8080 nginx:1.25
"""


def whole_objects(tmp_path: Path, **options: Any) -> list[Obj]:
    (tmp_path / "api.env").write_text("LOG_LEVEL=debug\nAPI_TOKEN=t0ken-value\n", encoding="utf-8")
    result = convert_text(WEB, str(tmp_path / "web.sh"), options=Options(part_of="web", **options))
    assert validate_objects(result.objects) == []
    return result.objects


def settled_problems(objects: list[Obj]) -> list[str]:
    settler = Settler(DEFAULT_K8S_VERSION, text=True, spool_after=0)
    for obj in objects:
        settler(obj)
    return [p.render() for p in settler.check()]


def first(objects: list[Obj], kind: str, test: Callable[[Obj], bool] = lambda _o: True) -> Obj:
    return next(o for o in objects if o["kind"] == kind and test(o))


def _containers(obj: Obj) -> list[Obj]:
    return obj["spec"]["template"]["spec"]["containers"]  # type: ignore[no-any-return]


def rename_secret(objs: list[Obj]) -> None:
    first(objs, "Secret")["metadata"]["name"] = "elsewhere"


def drop_secret_key(objs: list[Obj]) -> None:
    secret = first(objs, "Secret")
    secret["stringData"] = {"OTHER": "x"}


def rename_config_map(objs: list[Obj]) -> None:
    first(objs, "ConfigMap")["metadata"]["name"] = "elsewhere"


def rename_claim(objs: list[Obj]) -> None:
    first(objs, "PersistentVolumeClaim")["metadata"]["name"] = "elsewhere"


def wrong_target_port(objs: list[Obj]) -> None:
    first(objs, "Service")["spec"]["ports"][0]["targetPort"] = 9999


def named_target_port(objs: list[Obj]) -> None:
    first(objs, "Service")["spec"]["ports"][0]["targetPort"] = "no-such-name"


def udp_target(objs: list[Obj]) -> None:
    first(objs, "Service")["spec"]["ports"][0]["protocol"] = "UDP"


def container_port_gone(objs: list[Obj]) -> None:
    for obj in objs:
        if obj["kind"] == "Deployment":
            _containers(obj)[0].pop("ports", None)


def same_node_port(objs: list[Obj]) -> None:
    services = [o for o in objs if o["kind"] == "Service" and o["spec"].get("type") == "NodePort"]
    for service in services:
        service["spec"]["ports"][0]["nodePort"] = 30080
    objs.append(copy.deepcopy(services[0]) | {"metadata": {"name": "again"}})


def selector_misses(objs: list[Obj]) -> None:
    first(objs, "Service")["spec"]["selector"] = {"app.kubernetes.io/name": "nobody"}


def template_label_changed(objs: list[Obj]) -> None:
    for obj in objs:
        if obj["kind"] == "Deployment":
            obj["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] += "-x"
            obj["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] += "-x"


def service_selects_job(objs: list[Obj]) -> None:
    job = first(objs, "Job")
    service = copy.deepcopy(first(objs, "Service"))
    service["metadata"]["name"] = "jobs"
    service["spec"] = {"type": "ClusterIP", "selector": dict(job["spec"]["template"]["metadata"]["labels"]),
                       "ports": [{"port": 80}]}
    objs.append(service)


def duplicate(objs: list[Obj]) -> None:
    objs.append(copy.deepcopy(first(objs, "Deployment")))


def namespaced_apart(objs: list[Obj]) -> None:
    first(objs, "Secret")["metadata"]["namespace"] = "other"


def policy_selects_nothing(objs: list[Obj]) -> None:
    first(objs, "NetworkPolicy")["spec"]["podSelector"] = {"matchLabels": {"app.kubernetes.io/name": "nobody"}}


def ingress_backend_port(objs: list[Obj]) -> None:
    ingress = first(objs, "Ingress")
    ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] = {"number": 1}


def ingress_backend_name(objs: list[Obj]) -> None:
    ingress = first(objs, "Ingress")
    ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] = "nobody"


BREAKAGES = [rename_secret, drop_secret_key, rename_config_map, rename_claim, wrong_target_port, named_target_port,
             udp_target, container_port_gone, same_node_port, selector_misses, template_label_changed,
             service_selects_job, duplicate, namespaced_apart, policy_selects_nothing, ingress_backend_port,
             ingress_backend_name]


@pytest.mark.parametrize("breakage", BREAKAGES, ids=[b.__name__ for b in BREAKAGES])
def test_settled_objects_are_checked_as_whole_ones(breakage: Callable[[list[Obj]], None], tmp_path: Path) -> None:
    objects = whole_objects(tmp_path, network_policies="graph", ingress=IngressOptions(host="shop.example.com"))
    broken = copy.deepcopy(objects)
    breakage(broken)
    expected = [p.render() for p in validate_objects(broken)]
    assert expected, f"{breakage.__name__} breaks nothing: the test would prove nothing"
    assert settled_problems(broken) == expected


def test_settled_output_is_the_whole_output_spooled_or_not(tmp_path: Path) -> None:
    (tmp_path / "api.env").write_text("LOG_LEVEL=debug\nAPI_TOKEN=t0ken-value\n", encoding="utf-8")
    file = str(tmp_path / "web.sh")
    whole = convert_text(WEB, file, options=Options()).objects
    for spool_after in (0, 1 << 40):
        settler = Settler(DEFAULT_K8S_VERSION, text=True, spool_after=spool_after)
        settled = convert_text(WEB, file, options=Options(), settle=settler).objects
        assert settler.check() == []
        assert (settler.spool is not None) is (spool_after == 0)
        assert to_yaml(settled) == to_yaml(whole)
        assert [(o["kind"], o["metadata"]["name"]) for o in settled] == [
            (o["kind"], o["metadata"]["name"]) for o in whole]


def test_a_settled_object_keeps_no_pod_spec_and_no_credential_and_secrets_stay_off_the_spool(
    tmp_path: Path,
) -> None:
    (tmp_path / "api.env").write_text("LOG_LEVEL=debug\nAPI_TOKEN=t0ken-value\n", encoding="utf-8")
    settler = Settler(DEFAULT_K8S_VERSION, text=True, spool_after=0)
    settled = convert_text(WEB, str(tmp_path / "web.sh"), options=Options(), settle=settler).objects
    assert settler.check() == [] and settler.spool is not None
    secrets = [o for o in settled if o["kind"] == "Secret"]
    assert secrets and all(type(o) is Written for o in settled)
    for obj in settled:
        if obj["kind"] in ("Secret", "ConfigMap", "Deployment", "Job"):
            assert set(obj) == {"apiVersion", "kind", "metadata"}, obj
            assert set(obj["metadata"]) <= {"name", "namespace"}
        assert isinstance(obj.held, str) is (obj["kind"] == "Secret")  # Secrets in memory, the rest spooled
    assert any("s3cret-value" in o.text for o in secrets) and any("t0ken-value" in o.text for o in secrets)
    spooled = os.pread(settler.spool.file.fileno(), settler.spool.size, 0).decode()
    assert "kind: Deployment" in spooled and "kind: Secret" not in spooled
    assert "s3cret-value" not in spooled and "t0ken-value" not in spooled


def test_without_a_temporary_folder_the_documents_stay_in_memory(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "api.env").write_text("LOG_LEVEL=debug\n", encoding="utf-8")

    def refused(*_args: Any, **_kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(settle_module.tempfile, "TemporaryFile", refused)
    file = str(tmp_path / "web.sh")
    settler = Settler(DEFAULT_K8S_VERSION, text=True, spool_after=0)
    settled = convert_text(WEB, file, options=Options(), settle=settler).objects
    assert settler.check() == []
    assert settler.spool is None and all(isinstance(o.held, str) for o in settled)
    assert to_yaml(settled) == to_yaml(convert_text(WEB, file, options=Options()).objects)


def test_a_full_disk_keeps_the_rest_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "api.env").write_text("LOG_LEVEL=debug\n", encoding="utf-8")
    writes: list[int] = []
    pwrite = os.pwrite

    def fills_up(fd: int, data: Any, offset: int) -> int:
        writes.append(offset)
        if len(writes) > 1:
            raise OSError(28, "No space left on device")
        return pwrite(fd, data, offset)

    monkeypatch.setattr(settle_module, "BATCH", 2)
    monkeypatch.setattr(settle_module.os, "pwrite", fills_up)
    file = str(tmp_path / "web.sh")
    settler = Settler(DEFAULT_K8S_VERSION, text=True, spool_after=0)
    settled = convert_text(WEB, file, options=Options(), settle=settler).objects
    assert settler.check() == []
    assert len(writes) == 2 and settler.spool is not None
    held = [o.held for o in settled]
    assert any(isinstance(h, int) for h in held) and any(isinstance(h, str) and "Secret" not in h for h in held)
    monkeypatch.undo()
    assert to_yaml(settled) == to_yaml(convert_text(WEB, file, options=Options()).objects)


def test_outputs_that_need_whole_objects_get_them(tmp_path: Path) -> None:
    (tmp_path / "api.env").write_text("LOG_LEVEL=debug\n", encoding="utf-8")
    file = str(tmp_path / "web.sh")
    whole = convert_text(WEB, file, options=Options()).objects
    kept = Settler(DEFAULT_K8S_VERSION, text=False)
    assert convert_text(WEB, file, options=Options(), settle=kept).objects == whole
    assert kept.check() == []
    written = convert_text(WEB, file, options=Options(), settle=Settler(DEFAULT_K8S_VERSION, text=True)).objects
    with pytest.raises(TypeError, match="whole objects"):
        to_json(written)


def test_a_sealed_container_shares_its_empty_collections_and_refuses_changes_to_them() -> None:
    one = Container(name="a", image="x", origin=Origin("f", 1))
    two = Container(name="b", image="x", origin=Origin("f", 2))
    two.ports.append("kept")  # type: ignore[arg-type]
    seal(one)
    seal(two)
    assert one.ports is two.mounts and one.env is two.labels and one.ports == [] and one.env == {}
    assert two.ports == ["kept"] and type(two.ports) is list
    for change in (lambda: one.mounts.append(1), lambda: one.mounts.extend([1]), lambda: one.env.update(a=1),
                   lambda: one.labels.__setitem__("a", "b"), lambda: one.env.setdefault("a", 1)):
        with pytest.raises(TypeError, match="sealed"):
            change()
    with pytest.raises(TypeError, match="sealed"):
        one.mounts += [1]
    assert two.mounts == [] and one.mounts == []
    one.mounts = [*one.mounts, "new"]  # type: ignore[list-item]
    assert one.mounts == ["new"] and two.mounts == []


def test_a_conversion_seals_every_container(tmp_path: Path) -> None:
    (tmp_path / "api.env").write_text("LOG_LEVEL=debug\n", encoding="utf-8")
    result = convert_text(WEB, str(tmp_path / "web.sh"), options=Options())
    shared = {type(c.cap_add) for c in result.graph.containers.values()}
    assert {t.__name__ for t in shared} == {"_SharedEmptyList"}
