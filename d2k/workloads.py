"""Which Kubernetes workload each Pod becomes: a service, a run-once task, or an interactive session.

Docker's default restart policy is `no`: a container that exits stays exited. Kubernetes has no
"run it once, as a service" object: a Deployment restarts its Pods always, a Job runs them to
completion, a bare Pod does what its restartPolicy says. The rule below (`choose_workloads`, one of
d2k.infer.RULES) picks the kind a careful engineer would, and reports each choice in Docker's words.

With `--workload auto` (the default), in this order:

1. `--restart always|unless-stopped`: a **Deployment** (Docker restarts it too).
2. something reaches it (a published port, or another container calls it by name): a
   **Deployment**, a service; when Docker would not have restarted it, the report says so.
3. an interactive session (`-i -t` without `-d`): a bare **Pod** (`restartPolicy: Never`, stdin
   and tty kept), reported not carried: a terminal session is not a workload to migrate.
4. run-once (`--rm`, `--restart on-failure[:N]`, an explicit `--restart no`, or a command run in
   the foreground without `-d`): a **Job**: `restartPolicy: Never` and `backoffLimit: 0` as Docker
   ran it once, or `OnFailure` with `backoffLimit: N` for `on-failure:N` (the largest backoffLimit for
   `on-failure` without a limit: Docker retries forever).
5. anything else (nothing says it is meant to exit): a **Deployment**, with the report saying that Docker
   did not restart it.

`--workload deployment` and `--workload job` force one kind; `--workload pod` makes bare Pods with
the restart policy Docker had (`no` -> Never, `on-failure` -> OnFailure, `always` -> Always).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from d2k.model import Container, Graph, WorkloadPlan
from d2k.report import Severity

if TYPE_CHECKING:
    from d2k.infer import Inference

DEFAULT_BACKOFF_LIMIT = 6  # the Job API's default when backoffLimit is not set
UNLIMITED_RETRIES = 2**31 - 1  # the largest backoffLimit: Docker's on-failure without :N retries forever
_DOCKER_POLICY = {"": "Never", "no": "Never", "on-failure": "OnFailure", "always": "Always",
                  "unless-stopped": "Always"}  # fmt: skip


def choose_workloads(graph: Graph, inf: Inference) -> None:
    """Each Pod's workload kind and restart policy, from its root container's lifecycle flags."""
    served = _served(graph)
    for root, pod in graph.pods.items():
        if root != pod:
            continue
        c = graph.containers[root]
        plan = _choose(c, inf.workload, served.get(root, ""))
        graph.workloads[root] = plan
        _report(c, plan, served.get(root, ""), inf)


def _served(graph: Graph) -> dict[str, str]:
    """Pod -> what reaches it ("port 5423 published", "called as db"), from the Service plan."""
    served: dict[str, str] = {}
    for s in graph.services:
        what = "it publishes a port" if s.reason.startswith("published") else f"others call it as {s.name}"
        for member in (s.container, *s.also):
            served.setdefault(graph.pods[member], what)
    return served


def docker_restarts(c: Container) -> bool:
    """Whether Docker restarts the container whatever its exit code (always, unless-stopped)."""
    return c.restart in ("always", "unless-stopped")


def interactive(c: Container) -> bool:
    """`-it` without `-d`: a terminal session the user attached to."""
    return c.stdin_open and c.tty and not c.detach


def run_once_signals(c: Container) -> list[str]:
    """The flags that say the container is meant to exit, as the user wrote them."""
    signals = []
    if c.auto_remove:
        signals.append("--rm")
    if c.restart == "on-failure":
        signals.append(f"--restart on-failure{f':{c.restart_max_retries}' if c.restart_max_retries else ''}")
    if c.restart == "no":
        signals.append("--restart no")
    if not c.detach and c.command:
        signals.append("a command run in the foreground (no -d)")
    return signals


def _job(c: Container, reason: str) -> WorkloadPlan:
    if c.restart == "on-failure":
        return WorkloadPlan("Job", "OnFailure", c.restart_max_retries or UNLIMITED_RETRIES, reason)
    if docker_restarts(c):
        return WorkloadPlan("Job", "OnFailure", UNLIMITED_RETRIES, reason)
    return WorkloadPlan("Job", "Never", 0, reason)


def _choose(c: Container, mode: str, served: str) -> WorkloadPlan:
    if mode == "pod":
        return WorkloadPlan("Pod", _DOCKER_POLICY[c.restart], None, "--workload pod")
    if mode == "job":
        return _job(c, "--workload job")
    if mode == "deployment":
        return WorkloadPlan("Deployment", "Always", None, "--workload deployment")
    if docker_restarts(c):
        return WorkloadPlan("Deployment", "Always", None, f"--restart {c.restart}")
    if served:
        return WorkloadPlan("Deployment", "Always", None, served)
    if interactive(c):
        return WorkloadPlan("Pod", "Never", None, "an interactive session (-it without -d)")
    signals = run_once_signals(c)
    if signals:
        return _job(c, "run-once: " + ", ".join(signals) + "; nothing reaches it")
    return WorkloadPlan("Deployment", "Always", None, "nothing says it is meant to exit")


def _docker_restart_text(c: Container) -> str:
    if c.restart == "on-failure":
        limit = f" at most {c.restart_max_retries} times" if c.restart_max_retries else ""
        return f"Docker restarted it only when it failed{limit} (--restart on-failure)"
    if c.auto_remove:
        return "Docker removed it when it exited (--rm)"
    return "Docker did not restart it (" + ("--restart no" if c.restart == "no" else "no --restart") + ")"


def _report(c: Container, plan: WorkloadPlan, served: str, inf: Inference) -> None:
    add = inf.report.add
    if plan.kind == "Deployment" and not docker_restarts(c):
        add("restart-policy", Severity.APPROXIMATED,
            f"a Deployment restarts it whenever it exits ({plan.reason}); {_docker_restart_text(c)}; "
            "if it is meant to finish, use --workload job", c.origin, c.name)
    elif plan.kind == "Pod" and inf.workload != "pod":
        add("interactive-session", Severity.NOT_CARRIED,
            "an interactive session (-it without -d) is not a workload to migrate: a Pod (restartPolicy Never) "
            f"that waits for `kubectl attach -it {c.name}`; for a one-off session run "
            f"`kubectl run {c.name} --rm -it --image={c.image}`", c.origin, c.name)
    elif plan.kind == "Pod" and c.restart == "on-failure" and c.restart_max_retries:
        add("restart-retries", Severity.NOT_CARRIED,
            f"--restart on-failure:{c.restart_max_retries}: a Pod retries without limit; a Job has backoffLimit "
            "(--workload job)", c.origin, c.name)
    elif plan.kind == "Job":
        _report_job(c, plan, served, inf)


def _report_job(c: Container, plan: WorkloadPlan, served: str, inf: Inference) -> None:
    add = inf.report.add
    retries = (f"restartPolicy OnFailure, backoffLimit {plan.backoff_limit}" if plan.restart_policy == "OnFailure"
               else "restartPolicy Never, backoffLimit 0: it runs once, as Docker ran it")
    add("job", Severity.INFO, f"a Job ({plan.reason}): {retries}", c.origin, c.name)
    if docker_restarts(c):
        add("restart-policy", Severity.NOT_CARRIED,
            f"--restart {c.restart}: Docker restarts it even after it succeeds; a Job does not run it again "
            "(use --workload auto for a Deployment)", c.origin, c.name)
    elif c.restart == "on-failure" and not c.restart_max_retries:
        add("restart-retries", Severity.INFO,
            f"--restart on-failure: Docker retries without limit: backoffLimit {UNLIMITED_RETRIES} (the largest); "
            "lower it to give up sooner", c.origin, c.name)
    if c.auto_remove:
        add("auto-remove", Severity.INFO,
            "--rm: Docker deleted the container when it exited; Kubernetes keeps the finished Job and its Pod "
            "(for their logs) until you delete them or set spec.ttlSecondsAfterFinished", c.origin, c.name)
    if served:
        add("job-service", Severity.APPROXIMATED,
            f"a Job, yet something reaches it ({served}): its Service has no endpoint once the Job has finished",
            c.origin, c.name)
