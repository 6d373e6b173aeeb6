"""`/api/v1/applications/{name}/revisions/{revision}/metadata` and `/chartdetails`.

As Argo CD's RevisionMetadata / RevisionChartDetails: the app is found with the usual RBAC, its source is
picked by `sourceIndex` / `versionId`, then the repo-server answers for the source's repository. It does not
look at the app's history: any commit of the repository is described, a revision that is not a commit SHA
is refused ("must be resolved", so a Helm app's chart version too), an unknown SHA fails in `git fetch`.
Errors the repo-server or the server raise as plain Go errors arrive with gRPC code Unknown (HTTP 500).
"""

from __future__ import annotations

import re
import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from devstack.argocd import world_git
from devstack.argocd.access import get_app, world_of
from devstack.argocd.api import api_errors, enforcer_of
from devstack.argocd.auth import authenticate
from devstack.argocd.errors import INTERNAL, UNKNOWN, ApiError
from devstack.argocd.kube import JSON
from devstack.argocd.params import int_param
from devstack.argocd.world_model import App

_COMMIT_SHA = re.compile(r"^[0-9A-Fa-f]{40}$")
_TRUNCATED_SHA = re.compile(r"^[0-9A-Fa-f]{7,}$")
_VERSION = re.compile(r"^v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
_SOURCE_ERROR = "error getting app source by source index and version ID: "


def _source(app: App, request: Request) -> JSON:
    """getAppSourceBySourceIndexAndVersionId: the app's (only) source, or the one of a history entry."""
    sources = [app.source]
    version_id = int_param(request, "versionId")
    if version_id is not None:
        if not app.history:
            raise ApiError(
                UNKNOWN,
                f"{_SOURCE_ERROR}error getting source by version ID: "
                f"version ID {version_id} not found because the app has no history",
            )
        entry = next((h for h in app.history if h["id"] == version_id), None)
        if entry is None:
            raise ApiError(
                UNKNOWN,
                f"{_SOURCE_ERROR}error getting source by version ID: "
                f"revision history not found for version ID {version_id}",
            )
        sources = [entry["source"]]
    index = int_param(request, "sourceIndex") or 0
    if not 0 <= index < len(sources):
        raise ApiError(
            UNKNOWN, f"{_SOURCE_ERROR}source index {index} not found because there is only 1 source"
        )
    return sources[index]


def _fetch_failed(what: str, command: str, stderr: str) -> ApiError:
    """A failed `git fetch` in the repo-server's checkout, wrapped on its way out as it is there."""
    return ApiError(
        INTERNAL,
        f"error acquiring repo lock: rpc error: code = Internal desc = {what}: "
        f"`{command}` failed exit status 128: {stderr}",
    )


@api_errors
async def revision_metadata(request: Request) -> Response:
    app = get_app(enforcer_of(request), authenticate(request), request, request.path_params["name"])
    source = _source(app, request)
    revision = request.path_params["revision"]
    if not (_COMMIT_SHA.match(revision) or _TRUNCATED_SHA.match(revision)):
        raise ApiError(UNKNOWN, f"revision {revision} must be resolved")
    if source.get("chart"):  # a Helm repository is no Git repository
        raise _fetch_failed(
            "Failed to fetch default",
            "git fetch origin --tags --force --prune",
            f"fatal: repository '{source['repoURL']}/' not found",
        )
    commit = world_of(request).find_commit(revision)
    if commit is None:
        stderr = (
            f"fatal: remote error: upload-pack: not our ref {revision.lower()}"
            if len(revision) == 40
            else f"fatal: couldn't find remote ref {revision}"
        )
        raise _fetch_failed(
            f"Failed to checkout revision {revision}",
            f"git fetch origin {revision} --tags --force --prune",
            stderr,
        )
    return JSONResponse(world_git.revision_metadata(commit))


@api_errors
async def chart_details(request: Request) -> Response:
    app = get_app(enforcer_of(request), authenticate(request), request, request.path_params["name"])
    source = _source(app, request)
    if not source.get("chart"):
        raise ApiError(UNKNOWN, f"no chart found for application: {app.name}")
    revision = request.path_params["revision"]
    chart = world_git.CHARTS.get((source["chart"], revision))
    if chart is None:
        if not _VERSION.match(revision):
            raise ApiError(
                UNKNOWN,
                "helm client error: invalid revision: failed to determine semver constraint: "
                f"improper constraint: {revision}",
            )
        raise ApiError(
            UNKNOWN,
            "error extracting chart: error fetching chart: failed running helm: "
            f"`helm pull --destination /tmp/{uuid.uuid5(uuid.NAMESPACE_URL, revision)} --version {revision} "
            f"--repo {source['repoURL']} {source['chart']}` failed exit status 1: "
            f'Error: chart "{source["chart"]}" version "{revision}" not found in {source["repoURL"]} '
            "repository",
        )
    return JSONResponse(world_git.chart_details(chart))
