"""The plain objects -> a Helm chart whose values are real parameters, as {relative path: text}.

Every template is the plain object itself, written out field by field, with the fields a user
would change replaced by references into `values.yaml` (`d2k.emitters.helm_values` decides
which): so `helm template` with the default values renders the plain output, object for object
and name for name, whatever kinds and fields the Kubernetes emitter produces. The only
differences are the labels Helm owns (`helm.sh/chart`, `app.kubernetes.io/instance`,
`app.kubernetes.io/managed-by: Helm`) and `metadata.namespace`, which becomes the release's.

Credentials never reach `values.yaml`: Secret templates read `secrets.<name>.<KEY>` (d2k writes
the migrated ones to `secret-values.yaml`, passed with `-f`) or are skipped for an `existingSecret`.
"""

from __future__ import annotations

import json
from typing import Any

from d2k.emitters.helm_values import (
    SECRET_VALUES,
    Expr,
    Guard,
    Labels,
    ToYaml,
    ValuesBuilder,
    quote_go,
)
from d2k.emitters.output import _scalar, to_yaml

__all__ = ["SECRET_VALUES", "chart"]

Obj = dict[str, Any]
CHART_VERSION = "0.1.0"
KUBE_VERSION = ">=1.25.0-0"  # d2k's output is valid from Kubernetes 1.25 on
HELMIGNORE = """\
# Patterns `helm package` leaves out of the chart archive.
.DS_Store
.git/
.gitignore
.hg/
.svn/
*.swp
*.bak
*.tmp
*.orig
*~
.idea/
.vscode/
# credentials belong beside the chart, never in it
secret-values.yaml
"""


def chart(objects: list[Obj], *, name: str, app: str) -> tuple[dict[str, str], str]:
    """The chart's files and the text of secret-values.yaml (the migrated credentials)."""
    from d2k.names import dns1123_label

    chart_name = dns1123_label(name, "d2k")
    values = ValuesBuilder(chart_name, objects)
    by_kind: dict[str, list[str]] = {}
    for obj, tree in values.templated():
        by_kind.setdefault(obj["kind"], []).append(document(tree, chart_name, values.secret_guard(obj)))
    files = {
        "Chart.yaml": chart_yaml(chart_name, app),
        ".helmignore": HELMIGNORE,
        "values.yaml": values.values_yaml(),
        "values.schema.json": json.dumps(values.schema(), indent=2) + "\n",
        "templates/_helpers.tpl": helpers(chart_name),
        "templates/NOTES.txt": values.notes(),
    }
    for kind, documents in by_kind.items():
        files[f"templates/{kind.lower()}.yaml"] = "".join(documents)
    return dict(sorted(files.items())), values.secret_values_yaml()


def chart_yaml(name: str, app: str) -> str:
    doc = {
        "apiVersion": "v2",
        "name": name,
        "description": f"{app or name}, migrated from Docker by d2k",
        "type": "application",
        "version": CHART_VERSION,
        "appVersion": CHART_VERSION,
        "kubeVersion": KUBE_VERSION,
    }
    return to_yaml([doc]).removeprefix("---\n")


def helpers(chart: str) -> str:
    """Named templates in the shape `helm create` gives them; object names stay the plain output's
    (Service names are the host names the apps call), so fullname only names the release in NOTES."""
    return f'''{{{{/*
The chart's name (nameOverride replaces it), cut to 63 characters: a DNS label.
*/}}}}
{{{{- define "{chart}.name" -}}}}
{{{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}}}
{{{{- end }}}}

{{{{/*
The release's full name: fullnameOverride, else the release name with the chart's name unless it holds
it already; 63 characters at most.
*/}}}}
{{{{- define "{chart}.fullname" -}}}}
{{{{- if .Values.fullnameOverride }}}}
{{{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}}}
{{{{- else }}}}
{{{{- $name := default .Chart.Name .Values.nameOverride }}}}
{{{{- if contains $name .Release.Name }}}}
{{{{- .Release.Name | trunc 63 | trimSuffix "-" }}}}
{{{{- else }}}}
{{{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}}}
{{{{- end }}}}
{{{{- end }}}}
{{{{- end }}}}

{{{{/*
Chart name and version, the value of the helm.sh/chart label.
*/}}}}
{{{{- define "{chart}.chart" -}}}}
{{{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}}}
{{{{- end }}}}

{{{{/*
The labels Helm owns, added to every object next to the labels d2k gave it.
*/}}}}
{{{{- define "{chart}.labels" -}}}}
helm.sh/chart: {{{{ include "{chart}.chart" . }}}}
app.kubernetes.io/instance: {{{{ .Release.Name }}}}
app.kubernetes.io/managed-by: {{{{ .Release.Service }}}}
{{{{- end }}}}

{{{{/*
Labels selecting the release's pods as a whole (kubectl get pods -l ...). Each workload keeps the
selector of the plain output, app.kubernetes.io/name=<workload>, so it selects the same pods.
*/}}}}
{{{{- define "{chart}.selectorLabels" -}}}}
app.kubernetes.io/name: {{{{ include "{chart}.name" . }}}}
app.kubernetes.io/instance: {{{{ .Release.Name }}}}
{{{{- end }}}}

{{{{/*
One credential of a Secret d2k migrated: secrets.<secret>.<KEY>, given by secret-values.yaml (an empty
value is a value). Missing, the install stops and says what to pass; helm lint only notes it.
*/}}}}
{{{{- define "{chart}.credential" -}}}}
{{{{- $secret := index (index . 0) (index . 1) | default dict }}}}
{{{{- if hasKey $secret (index . 2) }}}}
{{{{- index $secret (index . 2) | toString | quote }}}}
{{{{- else }}}}
{{{{- fail (printf "secrets.%s.%s is not set: pass {SECRET_VALUES} with -f, or name a Secret you made in secrets.%s.existingSecret" (index . 1) (index . 2) (index . 1)) }}}}
{{{{- end }}}}
{{{{- end }}}}

{{{{/*
How to reach one Service from outside, for its type; an internal one (ClusterIP in the plain output) only
once a value made it external. Called by NOTES.txt with name, type, port, protocol, namespace and internal.
*/}}}}
{{{{- define "{chart}.access" -}}}}
{{{{- if or (not .internal) (ne .type "ClusterIP") }}}}

{{{{- /* a port below 1024 needs root to listen on here: it is forwarded from 8000 + port */}}}}
{{{{- $local := int .port }}}}
{{{{- if lt $local 1024 }}}}{{{{ $local = add 8000 $local }}}}{{{{ end }}}}
{{{{- $forward := printf "kubectl port-forward -n %s svc/%s %d:%d, then 127.0.0.1:%d" .namespace .name (int $local) (int .port) (int $local) }}}}
{{{{- if ne .protocol "TCP" }}}}
{{{{- $forward = printf "kubectl port-forward carries TCP only: reach port %v/%s from a Pod of the cluster" .port .protocol }}}}
{{{{- end }}}}

{{{{ .name }}}} ({{{{ .type }}}}, port {{{{ .port }}}}):
{{{{- if eq .type "NodePort" }}}}
  minikube: minikube service {{{{ .name }}}} -n {{{{ .namespace }}}} --url
  kind: {{{{ $forward }}}}
  any cluster: kubectl get svc {{{{ .name }}}} -n {{{{ .namespace }}}} -o jsonpath='{{.spec.ports[0].nodePort}}', then <node address>:<that port>
{{{{- else if eq .type "LoadBalancer" }}}}
  kubectl get svc {{{{ .name }}}} -n {{{{ .namespace }}}} --watch, then <EXTERNAL-IP>:{{{{ .port }}}} once it has one
  (minikube gives one with `minikube tunnel`, kind with cloud-provider-kind)
{{{{- else }}}}
  {{{{ $forward }}}}
{{{{- end }}}}
{{{{- end }}}}
{{{{- end }}}}

{{{{/*
An image reference from its values: repository, then :tag and @digest when set.
*/}}}}
{{{{- define "{chart}.image" -}}}}
{{{{- .repository }}}}
{{{{- with .tag }}}}:{{{{ . }}}}{{{{ end }}}}
{{{{- with .digest }}}}@{{{{ . }}}}{{{{ end }}}}
{{{{- end }}}}
'''


def document(tree: Obj, chart: str, guard: str) -> str:
    """One object as template text; a Secret d2k migrated is skipped when an existingSecret replaces it."""
    lines = ["---"]
    _mapping(tree, 0, lines, chart)
    body = "\n".join(lines) + "\n"
    return f"{{{{- if {guard} }}}}\n{body}{{{{- end }}}}\n" if guard else body


def _text(value: Any) -> str:
    """A literal scalar: as the plain output writes it, made inert where Go templates would read `{{`."""
    if isinstance(value, str) and "{{" in value:
        return "{{ " + quote_go(value) + " | quote }}"
    text = _scalar(value)
    return json.dumps(value, ensure_ascii=False) if text is None else text


def _mapping(tree: Obj, indent: int, out: list[str], chart: str) -> None:
    pad = " " * indent
    for key, value in tree.items():
        if isinstance(value, Guard):
            out.append(f"{pad}{{{{- {value.condition} }}}}")
            _entry(_text(key), value.value, indent, out, chart)
            out.append(f"{pad}{{{{- end }}}}")
        else:
            _entry(_text(key), value, indent, out, chart)


def _entry(key: str, value: Any, indent: int, out: list[str], chart: str) -> None:
    pad = " " * indent
    if isinstance(value, Expr):
        out.append(f"{pad}{key}: {value.text}")
    elif isinstance(value, ToYaml):
        out.append(f"{pad}{key}:")
        out.append(f"{pad}  {{{{- toYaml {value.expr} | nindent {indent + 2} }}}}")
    elif isinstance(value, Labels):
        out.append(f"{pad}{key}:")
        _mapping(value.literal, indent + 2, out, chart)
        out.append(f'{pad}  {{{{- include "{chart}.labels" $ | nindent {indent + 2} }}}}')
    elif isinstance(value, dict) and value:
        out.append(f"{pad}{key}:")
        _mapping(value, indent + 2, out, chart)
    elif isinstance(value, list) and value:
        out.append(f"{pad}{key}:")
        _sequence(value, indent, out, chart)
    elif isinstance(value, dict | list):
        out.append(f"{pad}{key}: {'{}' if isinstance(value, dict) else '[]'}")
    else:
        out.append(f"{pad}{key}: {_text(value)}")


def _sequence(items: list[Any], indent: int, out: list[str], chart: str) -> None:
    """Items at the key's own indent, `- ` before each, the way the plain output writes them."""
    pad = " " * indent
    for item in items:
        if isinstance(item, dict) and item:
            start = len(out)
            _mapping(item, indent + 2, out, chart)
            if out[start].lstrip().startswith("{{"):  # an item that opens with a condition
                out.insert(start, f"{pad}-")
            else:
                out[start] = f"{pad}- {out[start][indent + 2:]}"
        elif isinstance(item, list) and item:
            out.append(f"{pad}-")
            _sequence(item, indent + 2, out, chart)
        elif isinstance(item, Expr):
            out.append(f"{pad}- {item.text}")
        elif isinstance(item, dict | list):
            out.append(f"{pad}- {'{}' if isinstance(item, dict) else '[]'}")
        else:
            out.append(f"{pad}- {_text(item)}")
