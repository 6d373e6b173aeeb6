"""The tool list: names, titles, descriptions, argument and result models, annotations, handlers."""

from __future__ import annotations

from mcp_server import models as m
from mcp_server import models_actions as ma
from mcp_server.tools import actions
from mcp_server.tools.apps import get_application, list_applications
from mcp_server.tools.appsets import get_applicationset, list_applicationsets
from mcp_server.tools.base import ACTS, ACTS_DESTRUCTIVE, READ_ONLY, READ_ONLY_OPEN_WORLD, ToolSpec
from mcp_server.tools.diff import get_diff
from mcp_server.tools.history import get_history
from mcp_server.tools.logs import get_logs
from mcp_server.tools.resources import get_events, get_manifest, get_resource_tree

# Descriptions are short and say when to use the tool: every model call carries them (see `tools.schema`).
TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "list_applications",
        "List applications",
        "Applications you may read: project, sync/health, source, destination. Finds exact names.",
        m.ListApplicationsArgs,
        m.ApplicationList,
        READ_ONLY,
        list_applications,
    ),
    ToolSpec(
        "get_application",
        "Get application status",
        "Start here: sync, health, conditions, the last sync and what failed in it, resources needing "
        "attention.",
        m.GetApplicationArgs,
        m.ApplicationDetail,
        READ_ONLY,
        get_application,
    ),
    ToolSpec(
        "get_resource_tree",
        "Get resource tree",
        "Live resources (Deployment > ReplicaSet > Pod) with health and status reason: which one fails.",
        m.GetResourceTreeArgs,
        m.ResourceTree,
        READ_ONLY,
        get_resource_tree,
    ),
    ToolSpec(
        "get_manifest",
        "Get live manifest",
        "Live YAML of one resource: spec and status, Secret values masked.",
        m.GetManifestArgs,
        m.Manifest,
        READ_ONLY,
        get_manifest,
    ),
    ToolSpec(
        "get_events",
        "Get events",
        "Events, newest first, of the app or of one resource (kind+name); a workload's include its pods' "
        "warnings.",
        m.GetEventsArgs,
        m.Events,
        READ_ONLY,
        get_events,
    ),
    ToolSpec(
        "get_logs",
        "Get container logs",
        "Log lines of a pod, or of a workload's pods (kind+name); why a container never started; a "
        "crash-looping one's previous run.",
        m.GetLogsArgs,
        m.Logs,
        READ_ONLY_OPEN_WORLD,
        get_logs,
    ),
    ToolSpec(
        "get_diff",
        "Get diff with Git",
        "Why OutOfSync: fields where live differs from Git, resources a sync would create or prune.",
        m.GetDiffArgs,
        m.Diff,
        READ_ONLY,
        get_diff,
    ),
    ToolSpec(
        "get_history",
        "Get deployment history",
        "What was deployed when and by whom, and what changed: the commit or chart.",
        m.GetHistoryArgs,
        m.History,
        READ_ONLY,
        get_history,
    ),
    ToolSpec(
        "list_applicationsets",
        "List ApplicationSets",
        "ApplicationSets you may read: generators, applications generated, errors.",
        m.ListApplicationSetsArgs,
        m.ApplicationSetList,
        READ_ONLY,
        list_applicationsets,
    ),
    ToolSpec(
        "get_applicationset",
        "Get ApplicationSet",
        "One ApplicationSet: generators, template, why an application was not generated.",
        m.GetApplicationSetArgs,
        m.ApplicationSetDetail,
        READ_ONLY,
        get_applicationset,
    ),
    # The action group: registered only with MCP_READ_ONLY=false; in the relay each waits for approval.
    ToolSpec(
        "sync_application",
        "Sync application",
        "Sync to Git (or a revision): applies what differs; dry_run previews. Only when the user asks to.",
        ma.SyncApplicationArgs,
        ma.ActionOutcome,
        ACTS_DESTRUCTIVE,
        actions.sync_application,
    ),
    ToolSpec(
        "refresh_application",
        "Refresh application",
        "Compare with Git again now (hard: regenerate manifests). Changes nothing live.",
        ma.RefreshApplicationArgs,
        ma.ActionOutcome,
        ACTS.model_copy(update={"idempotent_hint": True}),
        actions.refresh_application,
    ),
    ToolSpec(
        "rollback_application",
        "Roll back application",
        "Redeploy an earlier deployment (get_history's id); needs auto-sync off. Only when the user asks to.",
        ma.RollbackApplicationArgs,
        ma.ActionOutcome,
        ACTS_DESTRUCTIVE,
        actions.rollback_application,
    ),
    ToolSpec(
        "list_resource_actions",
        "List resource actions",
        "Actions Argo CD offers on one resource (e.g. restart a Deployment).",
        ma.ListResourceActionsArgs,
        ma.ResourceActions,
        READ_ONLY,
        actions.list_resource_actions,
    ),
    ToolSpec(
        "run_resource_action",
        "Run resource action",
        "Run one of list_resource_actions' actions on a resource (e.g. restart), when the user asks to.",
        ma.RunResourceActionArgs,
        ma.ActionOutcome,
        ACTS_DESTRUCTIVE,
        actions.run_resource_action,
    ),
)
