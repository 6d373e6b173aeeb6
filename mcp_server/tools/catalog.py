"""The tool list: names, titles, descriptions, argument and result models, annotations, handlers."""

from __future__ import annotations

from mcp_server import models as m
from mcp_server.tools.apps import get_application, list_applications
from mcp_server.tools.appsets import get_applicationset, list_applicationsets
from mcp_server.tools.base import READ_ONLY, READ_ONLY_OPEN_WORLD, ToolSpec
from mcp_server.tools.diff import get_diff
from mcp_server.tools.history import get_history
from mcp_server.tools.logs import get_logs
from mcp_server.tools.resources import get_events, get_manifest, get_resource_tree

TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "list_applications",
        "List applications",
        "List the Argo CD applications you may read, one compact row each: name, project, sync and health "
        "status, source repo/path/revision, destination. Filter by project, label selector or app namespace.",
        m.ListApplicationsArgs,
        m.ApplicationList,
        READ_ONLY,
        list_applications,
    ),
    ToolSpec(
        "get_application",
        "Get application status",
        "Status of one application: sync and health (with messages), conditions, the last sync operation "
        "with each resource or hook that failed and why, recent deployments, and its resources not Healthy "
        "or not Synced.",
        m.GetApplicationArgs,
        m.ApplicationDetail,
        READ_ONLY,
        get_application,
    ),
    ToolSpec(
        "get_resource_tree",
        "Get resource tree",
        "All live resources of an application (Deployments, ReplicaSets, Pods, ...) with health, "
        "health message "
        "and parent link, one line each. Optional kind and health filters, e.g. health=Degraded or kind=Pod.",
        m.GetResourceTreeArgs,
        m.ResourceTree,
        READ_ONLY,
        get_resource_tree,
    ),
    ToolSpec(
        "get_manifest",
        "Get live manifest",
        "Live manifest (YAML) of one resource of an application, identified by kind and name, without "
        "managedFields, other noise and the fields Kubernetes fills in with their default values (a field "
        "that differs from its default is kept); Secret values are masked.",
        m.GetManifestArgs,
        m.Manifest,
        READ_ONLY,
        get_manifest,
    ),
    ToolSpec(
        "get_events",
        "Get events",
        "Kubernetes events of an application (no kind/name) or of one of its resources (kind and "
        "name), newest "
        "first, duplicates merged with counts. Warning events usually explain failures.",
        m.GetEventsArgs,
        m.Events,
        READ_ONLY,
        get_events,
    ),
    ToolSpec(
        "get_logs",
        "Get container logs",
        "Most recent log lines of one pod (pod=) or of the pods of a workload (kind= and name=, e.g. "
        "Deployment), optionally one container, the previous crashed instance, a time window or a text "
        "filter. Lines are redacted and capped; default 100 lines.",
        m.GetLogsArgs,
        m.Logs,
        READ_ONLY_OPEN_WORLD,
        get_logs,
    ),
    ToolSpec(
        "get_diff",
        "Get diff with Git",
        "Why an application is OutOfSync: per resource, the fields whose live value differs from Git "
        "(- live, + what a sync sets), after Argo CD's own normalization; resources a sync would create or "
        "prune named. Optional kind/name/namespace/group filters. Secret values masked.",
        m.GetDiffArgs,
        m.Diff,
        READ_ONLY,
        get_diff,
    ),
    ToolSpec(
        "get_history",
        "Get deployment history",
        "What was deployed when, by whom, and what changed: the application's deployments (newest first) and "
        "the commit (author, date, message; the chart for Helm) of the newest one, of a failed sync's "
        "revision, or of the revision asked for.",
        m.GetHistoryArgs,
        m.History,
        READ_ONLY,
        get_history,
    ),
    ToolSpec(
        "list_applicationsets",
        "List ApplicationSets",
        "ApplicationSets you may read, one row each: project, generators, how many applications it "
        "generated, and its errors (e.g. a generator failing).",
        m.ListApplicationSetsArgs,
        m.ApplicationSetList,
        READ_ONLY,
        list_applicationsets,
    ),
    ToolSpec(
        "get_applicationset",
        "Get ApplicationSet",
        "One ApplicationSet: each generator in a line, the template's name and destination patterns, its "
        "conditions (problems first: why an application was not generated) and the applications it "
        "generated with their sync and health.",
        m.GetApplicationSetArgs,
        m.ApplicationSetDetail,
        READ_ONLY,
        get_applicationset,
    ),
)
