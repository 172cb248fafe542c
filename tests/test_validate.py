"""d2k.validate: the reference manifests pass; each rule catches the mistake it exists for."""

from __future__ import annotations

import copy
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import d2k.validate
from d2k.errors import InputError
from d2k.validate import (
    DEFAULT_K8S_VERSION,
    Problem,
    load_manifests,
    parse_quantity,
    supported_versions,
    validate_objects,
)

FIXTURES = Path(__file__).parent / "fixtures" / "validate"
REFERENCE = sorted((FIXTURES / "reference").glob("*.yaml"))
VERSIONS = ["1.25", "1.30", "1.34", "1.37"]


def reference_objects() -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for path in REFERENCE:
        objects += load_manifests(path.read_text(), str(path))
    return objects


def app() -> list[dict[str, Any]]:
    """A small valid app: Deployment + Service + ConfigMap + Secret + PVC, all cross-referenced."""
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "web",
                                "image": "nginx:1.27",
                                "ports": [
                                    {"containerPort": 80, "name": "http"},
                                    {"containerPort": 443, "name": "https"},
                                ],
                                "env": [
                                    {"name": "MODE", "value": "prod"},
                                    {
                                        "name": "DB_PASSWORD",
                                        "valueFrom": {
                                            "secretKeyRef": {"name": "web-env", "key": "DB_PASSWORD"}
                                        },
                                    },
                                    {
                                        "name": "COLOR",
                                        "valueFrom": {
                                            "configMapKeyRef": {"name": "web-config", "key": "color"}
                                        },
                                    },
                                ],
                                "envFrom": [{"configMapRef": {"name": "web-config"}}],
                                "resources": {
                                    "requests": {"cpu": "250m", "memory": "128Mi"},
                                    "limits": {"cpu": "1", "memory": "512Mi"},
                                },
                                "volumeMounts": [
                                    {"name": "data", "mountPath": "/data"},
                                    {"name": "conf", "mountPath": "/etc/web"},
                                ],
                                "livenessProbe": {"httpGet": {"path": "/", "port": "http"}},
                                "securityContext": {
                                    "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}
                                },
                            }
                        ],
                        "hostAliases": [{"ip": "10.0.0.5", "hostnames": ["db.local"]}],
                        "volumes": [
                            {"name": "data", "persistentVolumeClaim": {"claimName": "web-data"}},
                            {
                                "name": "conf",
                                "configMap": {"name": "web-config", "items": [{"key": "color", "path": "c"}]},
                            },
                        ],
                    },
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {
                "type": "NodePort",
                "selector": {"app": "web"},
                "ports": [
                    {"name": "http", "port": 80, "targetPort": "http", "nodePort": 30080},
                    {"name": "https", "port": 443, "targetPort": 443},
                ],
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "web-config"},
            "data": {"color": "blue"},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "web-env"},
            "type": "Opaque",
            "stringData": {"DB_PASSWORD": "s3cret"},
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "web-data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        },
    ]


def deployment(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return objects[0]


def pod_spec(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return objects[0]["spec"]["template"]["spec"]


def container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return pod_spec(objects)["containers"][0]


def service(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return objects[1]


def assert_problem(problems: list[Problem], kind: str, path: str, message: str) -> None:
    """Some problem of this kind, at this exact path, whose message contains `message`."""
    for problem in problems:
        if problem.kind == kind and problem.path == path and message in problem.message:
            return
    shown = "\n  ".join(p.render() for p in problems) or "(none)"
    raise AssertionError(f"expected {kind} {path}: ...{message}...; got:\n  {shown}")


def check(
    objects: list[dict[str, Any]], kind: str, path: str, message: str, version: str = DEFAULT_K8S_VERSION
) -> None:
    assert_problem(validate_objects(objects, version), kind, path, message)


# --- the good cases ------------------------------------------------------------------------


def test_reference_fixtures_are_present() -> None:
    assert len(REFERENCE) == 9


@pytest.mark.parametrize("version", VERSIONS)
def test_reference_manifests_pass(version: str) -> None:
    objects = reference_objects()
    assert {o["kind"] for o in objects} == {"Deployment", "Service"}
    assert validate_objects(objects, version) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_sample_app_passes(version: str) -> None:
    assert validate_objects(app(), version) == []


def test_supported_versions_span_125_to_137() -> None:
    versions = supported_versions()
    for wanted in ("1.25", "1.30", "1.34", "1.37"):
        assert wanted in versions
    assert DEFAULT_K8S_VERSION in versions


@pytest.mark.parametrize("spelling", ["1.30", "v1.30", "1.30.4", "v1.30.0"])
def test_version_spellings(spelling: str) -> None:
    assert validate_objects(app(), spelling) == []


@pytest.mark.parametrize("bad", ["1.24", "1.99", "2.0", "latest", ""])
def test_unsupported_versions_are_input_errors(bad: str) -> None:
    with pytest.raises(InputError):
        validate_objects(app(), bad)


def test_problem_render() -> None:
    problem = Problem("Deployment", "vote", "spec.template.spec.containers[0].ports[1].name", "bad")
    assert problem.render() == "Deployment/vote: spec.template.spec.containers[0].ports[1].name: bad"
    assert Problem("Service", "x", "", "gone").render() == "Service/x: gone"


def test_import_is_cheap() -> None:
    code = "import sys, d2k.validate; bad = {'jsonschema', 'kubernetes_validate', 'yaml'} & set(sys.modules); print(bad)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    assert out.stdout.strip() == "set()"


def test_thousand_objects_validate_with_cached_validators() -> None:
    """Speed is measured in bench/; here: a thousand objects validate, each validator built once."""
    base = reference_objects()
    objects = []
    for i in range(1000):
        obj = copy.deepcopy(base[i % len(base)])
        obj["metadata"]["name"] += f"-{i}"
        for port in obj.get("spec", {}).get("ports", []):
            port.pop("nodePort", None)
        objects.append(obj)
    validate_objects(objects[:20])  # build the cached validators
    builds = d2k.validate._validator.cache_info().misses
    problems = validate_objects(objects)
    assert problems == []
    assert d2k.validate._validator.cache_info().misses == builds


# --- layer 1: strict schemas ---------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_field_is_caught_strictly(version: str) -> None:
    objects = app()
    container(objects)["imagePullPolicyy"] = "Always"
    check(
        objects,
        "Deployment",
        "spec.template.spec.containers[0].imagePullPolicyy",
        'unknown field "imagePullPolicyy"',
        version,
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_wrong_type_is_caught(version: str) -> None:
    objects = app()
    container(objects)["ports"][0]["containerPort"] = "80"
    check(
        objects,
        "Deployment",
        "spec.template.spec.containers[0].ports[0].containerPort",
        "not of type",
        version,
    )


def test_map_keys_are_bracketed_in_schema_paths() -> None:
    objects = app()
    deployment(objects)["metadata"]["labels"]["tier"] = 3
    check(objects, "Deployment", "metadata.labels[tier]", "not of type")


def test_unserved_api_version() -> None:
    objects = app()
    deployment(objects)["apiVersion"] = "extensions/v1beta1"
    check(objects, "Deployment", "apiVersion", "not served by Kubernetes 1.34")


def test_missing_kind() -> None:
    objects = app()
    del objects[2]["kind"]
    check(objects, "?", "kind", "Required")


# --- layer 2: per-object rules ----------------------------------------------------------------


def test_service_name_must_be_dns1035() -> None:
    objects = app()
    service(objects)["metadata"]["name"] = "front_end"
    check(objects, "Service", "metadata.name", "DNS-1035")
    objects = app()
    service(objects)["metadata"]["name"] = "1web"
    check(objects, "Service", "metadata.name", "start with an alphabetic character")


def test_object_names_must_be_dns_subdomains() -> None:
    objects = app()
    objects[2]["metadata"]["name"] = "Web_Config"
    check(objects, "ConfigMap", "metadata.name", "RFC 1123 subdomain")
    objects = app()
    objects[4]["metadata"]["name"] = "a" * 254
    check(objects, "PersistentVolumeClaim", "metadata.name", "no more than 253")
    objects = app()
    del deployment(objects)["metadata"]["name"]
    check(objects, "Deployment", "metadata.name", "Required value")


def test_dotted_names_are_fine_outside_services() -> None:
    objects = app()
    objects[2]["metadata"]["name"] = "web.config"
    for volume in pod_spec(objects)["volumes"]:
        if "configMap" in volume:
            volume["configMap"]["name"] = "web.config"
    container(objects)["env"][2]["valueFrom"]["configMapKeyRef"]["name"] = "web.config"
    container(objects)["envFrom"][0]["configMapRef"]["name"] = "web.config"
    assert validate_objects(objects) == []


def test_job_name_is_a_label_value() -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j" * 64},
        "spec": {
            "template": {
                "spec": {"restartPolicy": "Never", "containers": [{"name": "j", "image": "busybox"}]}
            }
        },
    }
    check([job], "Job", "metadata.name", "no more than 63")


def test_label_keys_and_values() -> None:
    objects = app()
    labels = deployment(objects)["metadata"]["labels"]
    labels["-bad"] = "x"
    labels["Example.com/tier"] = "x"
    labels["a/b/c"] = "x"
    labels["ok"] = "v" * 64
    labels["empty"] = ""
    problems = validate_objects(objects)
    assert_problem(problems, "Deployment", "metadata.labels", "'-bad': name part must consist")
    assert_problem(problems, "Deployment", "metadata.labels", "'Example.com/tier': prefix part")
    assert_problem(problems, "Deployment", "metadata.labels", "'a/b/c'")
    assert_problem(problems, "Deployment", "metadata.labels[ok]", "no more than 63")
    assert not any("[empty]" in p.path for p in problems)


def test_label_name_part_length() -> None:
    objects = app()
    deployment(objects)["metadata"]["labels"]["example.com/" + "n" * 64] = "x"
    check(objects, "Deployment", "metadata.labels", "name part must be no more than 63")


def test_annotation_total_size() -> None:
    objects = app()
    deployment(objects)["metadata"]["annotations"] = {"a": "x" * 200_000, "b": "y" * 70_000}
    check(objects, "Deployment", "metadata.annotations", "at most 262144 bytes")


def test_annotation_keys() -> None:
    objects = app()
    deployment(objects)["metadata"]["annotations"] = {"bad key": "x", "Example.COM/Fine": "ok"}
    problems = validate_objects(objects)
    assert_problem(problems, "Deployment", "metadata.annotations", "'bad key'")
    assert len(problems) == 1  # keys are checked lowercased, as the API server does


def test_container_name_is_dns_label() -> None:
    objects = app()
    container(objects)["name"] = "Web_1"
    check(objects, "Deployment", "spec.template.spec.containers[0].name", "RFC 1123 label")


def test_container_names_are_unique() -> None:
    objects = app()
    pod_spec(objects)["initContainers"] = [{"name": "web", "image": "busybox"}]
    check(objects, "Deployment", "spec.template.spec.containers[0].name", "Duplicate value: 'web'")


def test_container_image_and_pull_policy() -> None:
    objects = app()
    del container(objects)["image"]
    container(objects)["imagePullPolicy"] = "Sometimes"
    problems = validate_objects(objects)
    assert_problem(problems, "Deployment", "spec.template.spec.containers[0].image", "Required value")
    assert_problem(problems, "Deployment", "spec.template.spec.containers[0].imagePullPolicy", "'Sometimes'")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("http--x", "consecutive hyphens"),
        ("a-very-long-name", "no more than 15 characters"),  # 16 characters
        ("8080", "at least one letter"),
        ("-http", "begin or end with a hyphen"),
        ("HTTP", "only alpha-numeric"),
        ("web_ui", "only alpha-numeric"),
    ],
)
def test_container_port_names(name: str, message: str) -> None:
    objects = app()
    container(objects)["ports"][1]["name"] = name
    service(objects)["spec"]["ports"][1]["targetPort"] = 443
    check(objects, "Deployment", "spec.template.spec.containers[0].ports[1].name", message)


def test_fifteen_char_port_name_is_fine() -> None:
    objects = app()
    container(objects)["ports"][1]["name"] = "a-long-name-015"
    assert validate_objects(objects) == []


def test_container_port_numbers() -> None:
    objects = app()
    container(objects)["ports"][1]["containerPort"] = 70000
    container(objects)["ports"][1]["hostPort"] = 0
    check(
        objects,
        "Deployment",
        "spec.template.spec.containers[0].ports[1].containerPort",
        "between 1 and 65535",
    )
    objects = app()
    container(objects)["ports"][0]["hostPort"] = 65536
    check(objects, "Deployment", "spec.template.spec.containers[0].ports[0].hostPort", "between 1 and 65535")


def test_container_port_duplicates() -> None:
    objects = app()
    container(objects)["ports"][1]["name"] = "http"
    check(objects, "Deployment", "spec.template.spec.containers[0].ports[1].name", "Duplicate value: 'http'")
    objects = app()
    container(objects)["ports"][1]["containerPort"] = 80
    check(
        objects,
        "Deployment",
        "spec.template.spec.containers[0].ports[1]",
        "containerPort 80/TCP is listed twice",
    )
    objects = app()
    container(objects)["ports"][1] = {"containerPort": 80, "protocol": "UDP", "name": "dns"}
    service(objects)["spec"]["ports"][1]["targetPort"] = 80
    assert validate_objects(objects) == []  # same number, other protocol


def test_container_port_protocol() -> None:
    objects = app()
    container(objects)["ports"][0]["protocol"] = "tcp"
    check(
        objects,
        "Deployment",
        "spec.template.spec.containers[0].ports[0].protocol",
        "Unsupported value: 'tcp'",
    )


def test_service_ports() -> None:
    objects = app()
    service(objects)["spec"]["ports"][1]["name"] = "http"
    check(objects, "Service", "spec.ports[1].name", "Duplicate value: 'http'")
    objects = app()
    del service(objects)["spec"]["ports"][1]["name"]
    check(objects, "Service", "spec.ports[1].name", "Required value")
    objects = app()
    service(objects)["spec"]["ports"][1]["name"] = "Secure_Port"
    check(objects, "Service", "spec.ports[1].name", "RFC 1123 label")
    objects = app()
    service(objects)["spec"]["ports"][1]["port"] = 80
    check(objects, "Service", "spec.ports[1]", "port 80/TCP is listed twice")
    objects = app()
    service(objects)["spec"]["ports"][1]["port"] = 0
    check(objects, "Service", "spec.ports[1].port", "between 1 and 65535")
    objects = app()
    service(objects)["spec"]["ports"][0]["targetPort"] = "http--x"
    check(objects, "Service", "spec.ports[0].targetPort", "consecutive hyphens")


def test_service_type() -> None:
    objects = app()
    service(objects)["spec"]["type"] = "Nodeport"
    check(objects, "Service", "spec.type", "Unsupported value: 'Nodeport'")


def test_node_port_range() -> None:
    objects = app()
    service(objects)["spec"]["ports"][0]["nodePort"] = 80
    check(objects, "Service", "spec.ports[0].nodePort", "valid range")


def test_node_port_needs_node_port_type() -> None:
    objects = app()
    service(objects)["spec"]["type"] = "ClusterIP"
    check(objects, "Service", "spec.ports[0].nodePort", "may not be used when `type` is 'ClusterIP'")


def test_deployment_selector_must_match_template() -> None:
    objects = app()
    deployment(objects)["spec"]["selector"]["matchLabels"] = {"app": "api"}
    check(
        objects, "Deployment", "spec.template.metadata.labels", "`selector` does not match template `labels`"
    )


def test_deployment_selector_expressions() -> None:
    objects = app()
    deployment(objects)["spec"]["selector"] = {
        "matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]
    }
    assert validate_objects(objects) == []
    deployment(objects)["spec"]["selector"]["matchExpressions"][0]["operator"] = "NotIn"
    check(objects, "Deployment", "spec.template.metadata.labels", "does not match")
    deployment(objects)["spec"]["selector"] = {}
    check(objects, "Deployment", "spec.selector", "empty selector")


def test_deployment_restart_policy_only_always() -> None:
    objects = app()
    pod_spec(objects)["restartPolicy"] = "Never"
    check(objects, "Deployment", "spec.template.spec.restartPolicy", "Unsupported value: 'Never'")


def test_pod_and_job_restart_policy() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"restartPolicy": "Sometimes", "containers": [{"name": "p", "image": "busybox"}]},
    }
    check([pod], "Pod", "spec.restartPolicy", "Unsupported value: 'Sometimes'")
    pod["spec"]["restartPolicy"] = "OnFailure"
    assert validate_objects([pod]) == []
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j"},
        "spec": {"template": {"spec": {"containers": [{"name": "j", "image": "busybox"}]}}},
    }
    check([job], "Job", "spec.template.spec.restartPolicy", "Required value")


@pytest.mark.parametrize(
    ("name", "old_ok", "new_ok"),
    [
        ("DB_HOST", True, True),
        ("my.var-1", True, True),
        ("_x", True, True),
        ("1ABC", False, True),
        ("MY VAR", False, True),
        ("A:B", False, True),
        ("A=B", False, False),
        ("CAFÉ", False, False),
        ("", False, False),
    ],
)
def test_env_var_names_by_version(name: str, old_ok: bool, new_ok: bool) -> None:
    for version, ok in (("1.30", old_ok), ("1.31", old_ok), ("1.32", new_ok), ("1.34", new_ok)):
        objects = app()
        container(objects)["env"][0]["name"] = name
        problems = [p for p in validate_objects(objects, version) if p.path.endswith("env[0].name")]
        assert (not problems) == ok, (name, version, problems)


def test_env_value_sources() -> None:
    objects = app()
    container(objects)["env"][1]["value"] = "plain"
    check(objects, "Deployment", "spec.template.spec.containers[0].env[1].valueFrom", "`value` is not empty")
    objects = app()
    container(objects)["env"][1]["valueFrom"]["configMapKeyRef"] = {"name": "web-config", "key": "color"}
    check(objects, "Deployment", "spec.template.spec.containers[0].env[1].valueFrom", "more than one field")
    objects = app()
    container(objects)["envFrom"][0]["prefix"] = "1="
    check(objects, "Deployment", "spec.template.spec.containers[0].envFrom[0].prefix", "other than '='")


@pytest.mark.parametrize(
    ("key", "message"),
    [("bad/key", "alphanumeric"), ("..hidden", "start with '..'"), ("k" * 254, "253"), (".", "'.'")],
)
def test_config_map_keys(key: str, message: str) -> None:
    objects = app()
    objects[2]["data"][key] = "x"
    check(objects, "ConfigMap", f"data[{key}]", message)


def test_secret_keys_and_base64() -> None:
    objects = app()
    objects[3]["stringData"]["db password"] = "x"
    check(objects, "Secret", "stringData[db password]", "alphanumeric")
    objects = app()
    objects[3]["data"] = {"token": "not base64!"}
    check(objects, "Secret", "data[token]", "base64")


def test_config_map_key_in_data_and_binary_data() -> None:
    objects = app()
    objects[2]["binaryData"] = {"color": "Ymx1ZQ=="}
    check(objects, "ConfigMap", "binaryData[color]", "duplicate of key present in data")


def test_config_map_and_secret_size_limit() -> None:
    objects = app()
    objects[2]["data"]["big"] = "x" * (1024 * 1024)
    check(objects, "ConfigMap", "data", "at most 1048576 bytes")
    objects = app()
    objects[3]["stringData"]["big"] = "x" * (1024 * 1024 + 1)
    check(objects, "Secret", "data", "at most 1048576 bytes")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Decimal("0.5")),
        ("1.5", Decimal("1.5")),
        ("512Mi", Decimal(512 * 2**20)),
        ("1e3", Decimal(1000)),
        ("1E3", Decimal(1000)),
        ("1G", Decimal(10**9)),
        ("1E", Decimal(10**18)),
        (".5", Decimal("0.5")),
        ("+2k", Decimal(2000)),
        ("100n", Decimal("1E-7")),
        (2, Decimal(2)),
        (0.25, Decimal("0.25")),
    ],
)
def test_quantity_grammar_accepts(text: Any, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["512mb", "1.5 Gi", "1gi", "Mi", "", "1.2.3", "1KiB", "abc", True, None])
def test_quantity_grammar_rejects(text: Any) -> None:
    assert parse_quantity(text) is None


def test_bad_quantity_in_resources() -> None:
    objects = app()
    container(objects)["resources"]["limits"]["memory"] = "512mb"
    check(objects, "Deployment", "spec.template.spec.containers[0].resources.limits[memory]", "'512mb'")
    objects = app()
    container(objects)["resources"]["requests"]["cpu"] = "-1"
    check(
        objects,
        "Deployment",
        "spec.template.spec.containers[0].resources.requests[cpu]",
        "greater than or equal to 0",
    )
    objects = app()
    objects[4]["spec"]["resources"]["requests"]["storage"] = "1.5 Gi"
    check(objects, "PersistentVolumeClaim", "spec.resources.requests[storage]", "'1.5 Gi'")
    objects = app()
    pod_spec(objects)["volumes"].append({"name": "tmp", "emptyDir": {"sizeLimit": "64MB"}})
    check(objects, "Deployment", "spec.template.spec.volumes[2].emptyDir.sizeLimit", "'64MB'")


def test_resource_names() -> None:
    objects = app()
    container(objects)["resources"]["limits"]["gpu"] = "1"
    check(objects, "Deployment", "spec.template.spec.containers[0].resources.limits[gpu]", "fully qualified")
    objects = app()
    container(objects)["resources"]["limits"]["nvidia.com/gpu"] = "1"
    container(objects)["resources"]["limits"]["hugepages-2Mi"] = "64Mi"
    assert validate_objects(objects) == []


def test_requests_within_limits() -> None:
    objects = app()
    container(objects)["resources"]["requests"]["memory"] = "1Gi"
    check(
        objects,
        "Deployment",
        "spec.template.spec.containers[0].resources.requests[memory]",
        "must be less than or equal to memory limit of 512Mi",
    )
    objects = app()
    container(objects)["resources"]["requests"]["cpu"] = "1000m"  # equal to "1": fine
    assert validate_objects(objects) == []


def test_volume_names_unique() -> None:
    objects = app()
    pod_spec(objects)["volumes"].append({"name": "data", "emptyDir": {}})
    check(objects, "Deployment", "spec.template.spec.volumes[2].name", "Duplicate value: 'data'")


def test_volume_with_two_sources() -> None:
    objects = app()
    pod_spec(objects)["volumes"][0]["emptyDir"] = {}
    check(objects, "Deployment", "spec.template.spec.volumes[0]", "more than 1 volume type")


def test_volume_mount_refers_to_volume() -> None:
    objects = app()
    container(objects)["volumeMounts"][1]["name"] = "config"
    check(
        objects, "Deployment", "spec.template.spec.containers[0].volumeMounts[1].name", "Not found: 'config'"
    )


def test_mount_paths_unique_per_container() -> None:
    objects = app()
    container(objects)["volumeMounts"][1]["mountPath"] = "/data"
    check(
        objects, "Deployment", "spec.template.spec.containers[0].volumeMounts[1].mountPath", "must be unique"
    )


@pytest.mark.parametrize("ip", ["300.1.1.1", "10.0.0", "localhost", "010.0.0.1"])
def test_host_alias_ip(ip: str) -> None:
    objects = app()
    pod_spec(objects)["hostAliases"][0]["ip"] = ip
    check(objects, "Deployment", "spec.template.spec.hostAliases[0].ip", "valid IP address")


def test_host_alias_ipv6_and_hostname() -> None:
    objects = app()
    pod_spec(objects)["hostAliases"][0]["ip"] = "fd00::1"
    assert validate_objects(objects) == []
    pod_spec(objects)["hostAliases"][0]["hostnames"] = ["DB_HOST"]
    check(objects, "Deployment", "spec.template.spec.hostAliases[0].hostnames[0]", "RFC 1123 subdomain")


def test_probe_handler_exactly_one() -> None:
    objects = app()
    container(objects)["livenessProbe"]["exec"] = {"command": ["true"]}
    check(objects, "Deployment", "spec.template.spec.containers[0].livenessProbe", "more than 1 handler type")
    objects = app()
    container(objects)["readinessProbe"] = {"periodSeconds": 5}
    check(
        objects,
        "Deployment",
        "spec.template.spec.containers[0].readinessProbe",
        "must specify a handler type",
    )
    objects = app()
    container(objects)["startupProbe"] = {"tcpSocket": {"port": 0}}
    check(
        objects,
        "Deployment",
        "spec.template.spec.containers[0].startupProbe.tcpSocket.port",
        "between 1 and 65535",
    )


def test_lifecycle_handler() -> None:
    objects = app()
    container(objects)["lifecycle"] = {"preStop": {"sleep": {"seconds": 5}, "exec": {"command": ["x"]}}}
    check(
        objects,
        "Deployment",
        "spec.template.spec.containers[0].lifecycle.preStop",
        "more than 1 handler type",
    )


def test_capability_names() -> None:
    objects = app()
    container(objects)["securityContext"]["capabilities"]["add"] = [
        "NET_ADMINN",
        "CAP_SYS_TIME",
        "sys_ptrace",
    ]
    problems = validate_objects(objects)
    assert_problem(
        problems,
        "Deployment",
        "spec.template.spec.containers[0].securityContext.capabilities.add[0]",
        "'NET_ADMINN'",
    )
    assert len(problems) == 1


def test_pvc_needs_access_mode_and_storage() -> None:
    objects = app()
    objects[4]["spec"] = {"accessModes": [], "resources": {"requests": {}}}
    problems = validate_objects(objects)
    assert_problem(problems, "PersistentVolumeClaim", "spec.accessModes", "Required value")
    assert_problem(problems, "PersistentVolumeClaim", "spec.resources[storage]", "Required value")


# --- layer 3: across the set ---------------------------------------------------------------------


def test_duplicate_node_port_across_services() -> None:
    objects = app()
    other = copy.deepcopy(service(objects))
    other["metadata"]["name"] = "web2"
    other["spec"]["ports"] = [{"name": "http", "port": 81, "targetPort": 80, "nodePort": 30080}]
    objects.append(other)
    check(objects, "Service", "spec.ports[0].nodePort", "already allocated to Service/web")


def test_reference_set_nodeports_are_unique() -> None:
    objects = reference_objects()
    vote = next(o for o in objects if o["kind"] == "Service" and o["metadata"]["name"] == "vote")
    vote["spec"]["ports"][0]["nodePort"] = 31001  # result's
    problems = validate_objects(objects)
    assert [p.render() for p in problems] == [
        "Service/vote: spec.ports[0].nodePort: Invalid value: 31001: provided port is already allocated to Service/result"
    ]


def test_service_selects_no_pod() -> None:
    objects = app()
    service(objects)["spec"]["selector"] = {"app": "webb"}
    check(objects, "Service", "spec.selector", "no Deployment, Pod or Job in the set has labels app=webb")


def test_service_target_port_not_a_container_port() -> None:
    objects = app()
    service(objects)["spec"]["ports"][1]["targetPort"] = 8443
    check(objects, "Service", "spec.ports[1].targetPort", "8443/TCP is not a containerPort of Deployment/web")
    objects = app()
    service(objects)["spec"]["ports"][0]["targetPort"] = "web"
    check(objects, "Service", "spec.ports[0].targetPort", "'web'/TCP is not a containerPort")
    objects = app()
    service(objects)["spec"]["ports"][1]["protocol"] = "UDP"
    check(objects, "Service", "spec.ports[1].targetPort", "443/UDP")


def test_reference_service_with_wrong_target_port() -> None:
    objects = reference_objects()
    db = next(o for o in objects if o["kind"] == "Service" and o["metadata"]["name"] == "db")
    db["spec"]["ports"][0]["targetPort"] = 5433
    check(objects, "Service", "spec.ports[0].targetPort", "5433/TCP is not a containerPort of Deployment/db")


def test_secret_key_ref_to_missing_key() -> None:
    objects = app()
    container(objects)["env"][1]["valueFrom"]["secretKeyRef"]["key"] = "DB_PASS"
    check(
        objects,
        "Deployment",
        "spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef",
        "Secret/web-env has no key 'DB_PASS'",
    )


def test_optional_reference_may_be_absent() -> None:
    objects = app()
    ref = container(objects)["env"][1]["valueFrom"]["secretKeyRef"]
    ref["key"] = "DB_PASS"
    ref["optional"] = True
    assert validate_objects(objects) == []


def test_missing_config_map_secret_and_claim() -> None:
    objects = app()
    del objects[2:5]
    problems = validate_objects(objects)
    base = "spec.template.spec"
    assert_problem(
        problems,
        "Deployment",
        f"{base}.containers[0].env[1].valueFrom.secretKeyRef",
        "Secret/web-env is not in the set",
    )
    assert_problem(
        problems,
        "Deployment",
        f"{base}.containers[0].env[2].valueFrom.configMapKeyRef",
        "ConfigMap/web-config",
    )
    assert_problem(
        problems, "Deployment", f"{base}.containers[0].envFrom[0].configMapRef.name", "ConfigMap/web-config"
    )
    assert_problem(
        problems,
        "Deployment",
        f"{base}.volumes[0].persistentVolumeClaim.claimName",
        "PersistentVolumeClaim/web-data",
    )
    assert_problem(problems, "Deployment", f"{base}.volumes[1].configMap.name", "ConfigMap/web-config")


def test_volume_items_key_and_secret_volume() -> None:
    objects = app()
    pod_spec(objects)["volumes"][1]["configMap"]["items"][0]["key"] = "colour"
    check(
        objects, "Deployment", "spec.template.spec.volumes[1].configMap.items[0].key", "has no key 'colour'"
    )
    objects = app()
    pod_spec(objects)["volumes"].append({"name": "tls", "secret": {"secretName": "web-tls"}})
    check(
        objects,
        "Deployment",
        "spec.template.spec.volumes[2].secret.secretName",
        "Secret/web-tls is not in the set",
    )
    objects = app()
    container(objects)["envFrom"].append({"secretRef": {"name": "other"}})
    check(objects, "Deployment", "spec.template.spec.containers[0].envFrom[1].secretRef.name", "Secret/other")


def test_references_are_namespaced() -> None:
    objects = app()
    objects[4]["metadata"]["namespace"] = "elsewhere"
    check(
        objects,
        "Deployment",
        "spec.template.spec.volumes[0].persistentVolumeClaim.claimName",
        "not in the set",
    )


def test_duplicate_objects() -> None:
    objects = app()
    objects.append(copy.deepcopy(objects[2]))
    check(objects, "ConfigMap", "metadata.name", "another ConfigMap is named 'web-config'")
    objects = app()
    twin = copy.deepcopy(objects[2])
    twin["kind"] = "Secret"
    twin["data"] = {}
    objects.append(twin)  # same name, other kind: fine
    assert validate_objects(objects) == []


def test_list_is_flattened_in_validation() -> None:
    wrapped = [{"apiVersion": "v1", "kind": "List", "items": app()}]
    assert validate_objects(wrapped) == []
    wrapped[0]["items"][1]["metadata"]["name"] = "front_end"
    check(wrapped, "Service", "metadata.name", "DNS-1035")


# --- load_manifests ---------------------------------------------------------------------------------


def test_load_multi_document_yaml() -> None:
    text = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"
    assert [o["metadata"]["name"] for o in load_manifests(text, "m.yaml")] == ["a", "b"]


def test_load_list_is_flattened() -> None:
    text = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n"
    assert [o["metadata"]["name"] for o in load_manifests(text, "l.yaml")] == ["a", "b"]


def test_load_json_object_list_and_stream() -> None:
    text = '{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}]}\n{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "x": 1e3}}'
    objects = load_manifests(text, "m.json")
    assert [o["metadata"]["name"] for o in objects] == ["a", "b"]
    assert objects[1]["metadata"]["x"] == 1000.0


def test_load_reads_like_kubectl() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  enabled: yes\n  day: 2024-01-02\n  eq: =\n  1: one\n"
    (obj,) = load_manifests(text, "c.yaml")
    assert obj["data"] == {"enabled": True, "day": "2024-01-02", "eq": "=", "1": "one"}
    check([obj], "ConfigMap", "data[enabled]", "not of type")  # kubectl would send a boolean too


def test_load_malformed_yaml_has_line() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n   bad: indent\n"
    with pytest.raises(InputError) as err:
        load_manifests(text, "bad.yaml")
    assert err.value.file == "bad.yaml"
    assert err.value.line == 5
    assert str(err.value).startswith("bad.yaml:5: not valid YAML")


def test_load_duplicate_key_has_line() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"
    with pytest.raises(InputError) as err:
        load_manifests(text, "dup.yaml")
    assert err.value.line == 5
    assert "already set" in err.value.message


def test_load_malformed_json_has_line() -> None:
    text = '{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {"name": "a",}\n}\n'
    with pytest.raises(InputError) as err:
        load_manifests(text, "bad.json")
    assert err.value.line == 4


def test_load_rejects_non_objects() -> None:
    with pytest.raises(InputError) as err:
        load_manifests(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- just\n- a list\n", "x.yaml"
        )
    assert err.value.line == 5
    assert "document 2 is a list" in err.value.message
    with pytest.raises(InputError):
        load_manifests("apiVersion: v1\nkind: List\nitems: [1]\n", "x.yaml")


def test_load_empty_input() -> None:
    assert load_manifests("", "e.yaml") == []
    assert load_manifests("---\n...\n", "e.yaml") == []


# --- the rule table: which kinds each object rule runs on ------------------------------------


def _chimera() -> dict[str, Any]:
    """One object carrying every field some rule reads, each one broken, whatever its kind says."""
    broken_pod = {
        "restartPolicy": "Sometimes",
        "hostAliases": [{"ip": "not-an-ip", "hostnames": ["Bad_Host"]}],
        "hostPID": True,
        "shareProcessNamespace": True,
        "volumes": [{"name": "Bad_Vol", "emptyDir": {"sizeLimit": "-1Gi"}}, {"name": "Bad_Vol"}],
        "containers": [
            {
                "name": "Bad_Name",
                "imagePullPolicy": "Sometimes",
                "ports": [{"containerPort": 0, "name": "Bad_Port", "protocol": "XTP", "hostPort": 70000}],
                "env": [{"name": "1=bad", "valueFrom": {}}],
                "resources": {"requests": {"cpu": "2", "bad name!": "x"}, "limits": {"cpu": "1"}},
                "volumeMounts": [{"name": "missing", "mountPath": "relative"}],
                "livenessProbe": {},
                "securityContext": {"capabilities": {"add": ["not a capability"]}},
            },
            {"name": "Bad_Name"},
        ],
    }
    template = {"metadata": {"labels": {"bad key!": "bad value!"}, "annotations": {"Bad Key!": "x"}},
                "spec": broken_pod}
    return {
        "apiVersion": "v1",
        "metadata": {"name": "Bad_Name!", "namespace": "Bad_NS", "labels": {"bad key!": "bad value!"},
                     "annotations": {"Bad Key!": "x"}},
        "spec": {
            **broken_pod,
            "template": template,
            "jobTemplate": {"spec": {"template": template}},
            "selector": {"matchLabels": {"other": "x", "bad key!": "v"}, "bad key!": "v"},
            "type": "Sideways",
            "ports": [{"port": 0, "protocol": "XTP", "nodePort": 5, "targetPort": "Bad_Port"}],
            "parallelism": -1,
            "activeDeadlineSeconds": 0,
            "accessModes": ["Sometimes"],
            "resources": {"requests": {"storage": "-1Gi"}, "limits": {"storage": "lots"}},
            "capacity": {},
            "persistentVolumeReclaimPolicy": "Keep",
        },
        "data": {"bad key!": "%%% not base64", "ok": "x" * (1024 * 1024 + 1)},
        "binaryData": {"bad key!": "%%%"},
        "stringData": {"bad key!": "x"},
    }


def test_rule_table_lists_every_kind_a_rule_finds_something_in() -> None:
    """Each rule, fed a thoroughly broken object of a kind its table entry does not list, finds nothing;
    of a kind it lists, it finds something (so the table cannot spare a rule its own kinds)."""
    import d2k.validate_network

    table = d2k.validate.OBJECT_RULES + d2k.validate_network.OBJECT_RULES
    kinds = set().union(*(k for _, k in table if k is not None)) | {"Namespace", "Other", "List"}
    version = d2k.validate._parse_version(DEFAULT_K8S_VERSION)
    for rule, listed in table:
        found_in_listed = False
        for kind in sorted(kinds):
            obj = {**_chimera(), "kind": kind}
            d2k.validate._forget_templates()
            found = list(rule(obj, version))
            if listed is not None and kind not in listed:
                assert not found, f"{rule.__name__} finds {found[:2]} in a {kind}, which its entry does not list"
            found_in_listed = found_in_listed or bool(found)
        if rule.__module__ == "d2k.validate":
            assert found_in_listed, f"{rule.__name__} finds nothing in the broken object: the test misses a field"
    d2k.validate._forget_templates()
