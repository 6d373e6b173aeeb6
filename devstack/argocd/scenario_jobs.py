"""Jobs and CronJobs of a scenario: a Job's pods (one per attempt, retried with the job controller's
back-off until the backoffLimit), its conditions and events; a CronJob's runs at the times its schedule
fired, the Jobs its history limits keep, and the cronjob-controller's events (created, completed, deleted).
"""

from __future__ import annotations

import copy
from datetime import timedelta

from devstack.argocd import health
from devstack.argocd import scenario_schema as schema
from devstack.argocd.kube import JSON, NOW, ago, make, rfc3339
from devstack.argocd.scenario_base import EVENT_TTL, BuildError, age_of, merge_patch
from devstack.argocd.scenario_objects import Scope, finish, labels_of, make_object, pod_template
from devstack.argocd.scenario_workloads import build_pods, created_events
from devstack.argocd.world_kube import event


def _cron_field(text: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        if part == "*":
            values.update(range(low, high + 1))
        elif part.startswith("*/") and part[2:].isdigit() and int(part[2:]) > 0:
            values.update(range(low, high + 1, int(part[2:])))
        elif part.isdigit() and low <= int(part) <= high:
            values.add(int(part))
        else:
            raise BuildError(f"schedule field {text!r} is not supported (use *, */N, N or N,M)")
    return values


def schedule_times(schedule: str, count: int) -> list[float]:
    """Seconds ago of the `count` last times a `M H * * *`-style schedule fired, oldest first."""
    fields = schedule.split()
    if len(fields) != 5 or fields[2:] != ["*", "*", "*"]:
        raise BuildError(f"schedule {schedule!r}: only `minute hour * * *` schedules are supported")
    minutes, hours = _cron_field(fields[0], 0, 59), _cron_field(fields[1], 0, 23)
    moment = NOW.replace(second=0) - timedelta(minutes=1)
    found: list[float] = []
    for _ in range(60 * 24 * 9):
        if moment.minute in minutes and moment.hour in hours:
            found.append((NOW - moment).total_seconds())
            if len(found) == count:
                break
        moment -= timedelta(minutes=1)
    if len(found) < count:
        raise BuildError(f"schedule {schedule!r} does not fire {count} times in 9 days")
    return list(reversed(found))


_BACKOFF = "Job has reached the specified backoff limit"


def _end_conditions(types: tuple[str, str], reason: str, message: str, since: float) -> list[JSON]:
    """The two conditions the job controller sets when a Job ends: the target, then the outcome."""
    moment = rfc3339(ago(since))
    return [
        {
            "type": cond,
            "status": "True",
            "reason": reason,
            "message": message,
            "lastProbeTime": moment,
            "lastTransitionTime": moment,
        }
        for cond in types
    ]


def job_object(scope: Scope, model: schema.Object, api_version: str, owner: JSON | None) -> None:
    """A Job the scenario writes out (managed, a sync hook, or owned by an object listed before it)."""
    labels = labels_of(model)
    template = pod_template(model, labels, restart_policy="Never")
    backoff = model.backoffLimit if model.backoffLimit is not None else 6
    models = model.pods if model.pods is not None else [schema.Pod()]
    build_job(scope, owner, model.name, labels, template, backoff, models, model.age, api_version, model)


def build_job(
    scope: Scope,
    owner: JSON | None,
    name: str,
    labels: dict[str, str],
    template: JSON,
    backoff: int,
    models: list[schema.Pod],
    age: float,
    api_version: str = "batch/v1",
    model: schema.Object | None = None,
) -> None:
    """A Job and its pods (one per attempt, 10s back-off doubling, as the job controller retries).
    `model`: the scenario's own Job (managed, or a hook); None: a CronJob's run."""
    git_spec: JSON = {"backoffLimit": backoff, "template": template}
    if model is not None and model.spec is not None:
        git_spec = merge_patch(git_spec, model.spec)
    body_spec = {
        **copy.deepcopy(git_spec),
        "completions": 1,
        "parallelism": 1,
        "completionMode": "NonIndexed",
        "suspend": False,
        "podReplacementPolicy": "TerminatingOrFailed",
    }
    desired: JSON = {
        "apiVersion": api_version,
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": scope.ns,
            "labels": {**labels, "app.kubernetes.io/instance": scope.app.name},
        },
        "spec": git_spec,
    }
    position = len(scope.app.objects)
    job = make(
        api_version,
        "Job",
        name,
        scope.ns,
        app=scope.app.name if owner is None else None,
        owner=owner,
        labels=labels,
        age=age,
        body={"spec": body_spec},
        desired=desired if owner is None else None,
        manager="argocd-controller" if owner is None else "kube-controller-manager",
    )
    uid = job["metadata"]["uid"]
    job_labels = {
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": name,
        "controller-uid": uid,
        "job-name": name,
    }
    job["spec"]["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    job["spec"]["template"]["metadata"]["labels"] = {**template["metadata"]["labels"], **job_labels}
    ages, t = [], age - 1
    for i in range(len(models)):
        ages.append(max(t, 2.0))
        t -= 8 + 10 * 2**i
    pods = build_pods(
        scope, job, job["spec"]["template"], models, job_pod=True, ages=ages, extra_labels=job_labels
    )
    phases = [p["status"]["phase"] for p in pods]
    failed, succeeded = phases.count("Failed"), phases.count("Succeeded")
    active = len(pods) - failed - succeeded
    status: JSON = {"startTime": rfc3339(ago(age - 1))}
    last_ago = min((age_of(p) for p in pods), default=age) - 10
    ended = max(last_ago, 1)
    conditions = []
    outcome = None  # the job controller's event: type, reason, message
    if failed > backoff:
        conditions = _end_conditions(("FailureTarget", "Failed"), "BackoffLimitExceeded", _BACKOFF, ended)
        outcome = ("Warning", "BackoffLimitExceeded", _BACKOFF)
    elif succeeded:
        status["completionTime"] = rfc3339(ago(ended))
        conditions = _end_conditions(
            ("SuccessCriteriaMet", "Complete"),
            "CompletionsReached",
            "Reached expected number of succeeded pods",
            ended,
        )
        outcome = ("Normal", "Completed", "Job completed")
    if conditions:
        status["conditions"] = conditions
    if failed:
        status["failed"] = failed
    if succeeded:
        status["succeeded"] = succeeded
    if active:
        status["active"] = active
    status.update(ready=0, terminating=0, uncountedTerminatedPods={})
    job["status"] = status
    created_events(scope, job, pods, "job-controller")
    if outcome is not None and last_ago <= EVENT_TTL:  # else the outcome's event is gone already
        type_, reason, message = outcome
        scope.app.events.append(
            event(
                job, reason, message, type_=type_, first_ago=ended, last_ago=ended, component="job-controller"
            )
        )
    if model is not None:
        finish(scope, model, job, owner, desired=desired if owner is None else None, position=position)
    else:  # a CronJob's: owned, its health as Argo CD assesses it
        state, message = health.job(job)
        scope.app.add(job, state, message)
        scope.app.objects.insert(position, scope.app.objects.pop())


def cron_job(scope: Scope, model: schema.Object, api_version: str) -> None:
    """A CronJob and its runs (`jobs`, oldest first): the Jobs its history limits keep, with their pods."""
    labels = labels_of(model)
    template = pod_template(model, labels, restart_policy="Never")
    backoff = model.backoffLimit if model.backoffLimit is not None else 6
    spec: JSON = {
        "schedule": model.schedule,
        "concurrencyPolicy": "Forbid",
        "suspend": False,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 1,
        "jobTemplate": {"metadata": {}, "spec": {"backoffLimit": backoff, "template": template}},
    }
    spec = merge_patch(spec, model.spec or {})
    position = len(scope.app.objects)
    cron = make_object(scope, model, api_version, None, labels, {"spec": spec})
    runs = list(model.jobs or [])
    times = schedule_times(model.schedule or "", len(runs)) if runs else []
    job_template = spec["jobTemplate"]["spec"]

    def run_failed(run: schema.JobRun) -> bool:
        limit = run.backoffLimit if run.backoffLimit is not None else job_template.get("backoffLimit", 6)
        failed_pods = [
            p
            for p in run.pods
            if any(c.terminated is not None and c.terminated.exitCode != 0 for c in p.containers.values())
        ]
        if len(failed_pods) <= limit and len(failed_pods) == len(run.pods) and run.pods:
            raise BuildError(
                "a CronJob run must end: a pod that succeeds, or more failed pods than backoffLimit"
            )
        return len(failed_pods) > limit

    outcomes = [run_failed(r) for r in runs]
    keep_failed = spec.get("failedJobsHistoryLimit", 1)
    keep_ok = spec.get("successfulJobsHistoryLimit", 3)
    failed_idx = [i for i, f in enumerate(outcomes) if f][-keep_failed:] if keep_failed else []
    ok_idx = [i for i, f in enumerate(outcomes) if not f][-keep_ok:] if keep_ok else []
    kept = set(failed_idx) | set(ok_idx)
    controller = "cronjob-controller"
    last_success = None
    for i, (run, when) in enumerate(zip(runs, times, strict=True)):
        job_name = f"{model.name}-{int((NOW - timedelta(seconds=when)).timestamp() // 60)}"
        attempts = len(run.pods) or 1
        duration = sum(8 + 10 * 2**k for k in range(attempts - 1)) + 20
        done_ago = max(when - duration, 1)
        outcome = "Failed" if outcomes[i] else "Complete"
        if not outcomes[i]:
            last_success = done_ago
        if i in kept:
            limit = run.backoffLimit if run.backoffLimit is not None else job_template.get("backoffLimit", 6)
            job_spec_template = copy.deepcopy(job_template["template"])
            build_job(
                scope,
                cron,
                job_name,
                labels,
                job_spec_template,
                limit,
                list(run.pods) or [schema.Pod()],
                when,
            )
        for reason, message, moment in (
            ("SuccessfulCreate", f"Created job {job_name}", when),
            ("SawCompletedJob", f"Saw completed job: {job_name}, status: {outcome}", done_ago),
        ):
            if moment > EVENT_TTL:
                continue
            scope.app.events.append(
                event(
                    cron,
                    reason,
                    message,
                    first_ago=moment,
                    last_ago=moment,
                    component=controller,
                    seed=job_name,
                )
            )
        if i not in kept:  # deleted when the run that pushed it over the history limit completed
            same = [j for j in range(i + 1, len(runs)) if outcomes[j] == outcomes[i]]
            limit = keep_failed if outcomes[i] else keep_ok
            pusher = same[limit - 1] if 0 < limit <= len(same) else i
            pruned_at = max(times[pusher] - duration - 1, 1)
            if pruned_at > EVENT_TTL:
                continue
            scope.app.events.append(
                event(
                    cron,
                    "SuccessfulDelete",
                    f"Deleted job {job_name}",
                    first_ago=pruned_at,
                    last_ago=pruned_at,
                    component=controller,
                    seed=job_name,
                )
            )
    status: JSON = {}
    if times:
        status["lastScheduleTime"] = rfc3339(ago(times[-1]))
    if last_success is not None:
        status["lastSuccessfulTime"] = rfc3339(ago(last_success))
    cron["status"] = status
    finish(scope, model, cron, None, position=position)
