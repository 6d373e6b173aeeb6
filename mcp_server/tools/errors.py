"""Argo CD failures as tool errors a model can act on (never stack traces, never the token)."""

from __future__ import annotations

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel

from mcp_server.argocd_client import (
    ArgoCDError,
    ArgoCDTimeout,
    ArgoCDUnavailable,
    BadRequest,
    LogStreamError,
    NotFound,
    PermissionDeniedOrNotFound,
    ResponseTooLarge,
    Unauthenticated,
)


def permission_denied(application: str | None, project: str | None) -> ToolError:
    """403. Without `project` Argo CD hides whether the application exists; with it, a missing application
    answers 404, so a 403 then means the caller may not read it in that project."""
    if application and project:
        return ToolError(
            f"Permission denied: you may not read application '{application}' in project '{project}' "
            "(with project set, Argo CD reports a missing application as not found instead). "
            "list_applications shows the applications and projects you may read."
        )
    app = f"application '{application}'" if application else "the applications"
    return ToolError(
        f"Permission denied or {app} not found: Argo CD answers both the same way and hides which. "
        "list_applications shows every application you may read (with its project and app namespace). "
        "Passing project=<a project you can read> makes Argo CD report a missing application as not found; "
        "an application outside Argo CD's namespace also needs app_namespace."
    )


def tool_error(exc: ArgoCDError, application: str | None, project: str | None = None) -> ToolError:
    if isinstance(exc, Unauthenticated):
        return ToolError(
            f"Argo CD rejected the token ({exc.message}). It is missing, expired or invalid: "
            "sign in to Argo CD again or use a valid API token."
        )
    if isinstance(exc, PermissionDeniedOrNotFound):
        return permission_denied(application, project)
    if isinstance(exc, NotFound):
        return ToolError(
            f"Not found: {exc.message}. Check the names with list_applications / get_resource_tree "
            "(Argo CD also says this when the application is in another project than the one passed)."
        )
    if isinstance(exc, ArgoCDTimeout):
        return ToolError(
            f"Argo CD is slow: {exc.message}. Try again, or ask for less (e.g. fewer log lines)."
        )
    if isinstance(exc, ArgoCDUnavailable):
        return ToolError(f"Argo CD is unavailable: {exc.message}. Try again later.")
    if isinstance(exc, ResponseTooLarge):
        return ToolError(f"{exc.message}. Ask for less (e.g. filter by project or label selector).")
    if isinstance(exc, LogStreamError):
        return ToolError(f"Argo CD refused the log request: {exc.message}")
    if isinstance(exc, BadRequest):
        return ToolError(f"Argo CD refused the request: {exc.message}")
    return ToolError(f"Argo CD error: {exc.message}")


def _appset_error(exc: ArgoCDError, name: str | None) -> ToolError | None:
    """ApplicationSets, unlike applications, are not hidden: Argo CD answers a missing one 404 and a
    forbidden one 403."""
    what = f"ApplicationSet '{name}'" if name else "the ApplicationSets"
    if isinstance(exc, PermissionDeniedOrNotFound):
        return ToolError(
            f"Permission denied: you may not read {what}; that needs `applicationsets, get` on its project "
            "in Argo CD's RBAC (argocd-rbac-cm). list_applicationsets shows the ones you may read."
        )
    if isinstance(exc, NotFound):
        return ToolError(
            f"Not found: there is no {what} (in this namespace). list_applicationsets shows the ones you may "
            "read; one outside Argo CD's namespace also needs appset_namespace."
        )
    return None


def error_for(exc: ArgoCDError, args: BaseModel) -> ToolError:
    """The tool error for an Argo CD failure during a call with `args`."""
    if hasattr(args, "appset_namespace"):
        appset = _appset_error(exc, getattr(args, "applicationset", None))
        if appset is not None:
            return appset
    return tool_error(exc, getattr(args, "application", None), getattr(args, "project", None))
