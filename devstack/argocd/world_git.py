"""What the sources hold: the commits of the Git repository every Git app reads, the Helm chart versions,
and each app's deployment history built from them.

The repo-server answers revision metadata from the repository, not from an app's history: any commit of
REPO_URL can be described through any Git app of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from devstack.argocd.kube import JSON, ago, rfc3339
from devstack.argocd.world_model import App

DAY = 86400.0


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    message: str
    age: float  # seconds since it was authored
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chart:
    name: str
    version: str
    description: str
    home: str
    maintainers: tuple[str, ...]


def sha(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()  # a stand-in commit id


PRIYA = "Priya Raman <priya.raman@example.org>"
MARTA = "Marta Kowalski <marta.kowalski@example.org>"
JONAS = "Jonas Berg <jonas.berg@example.org>"
TOMAS = "Tomás Ferreira <tomas.ferreira@example.org>"
LENA = "Lena Hofmann <lena.hofmann@example.org>"
RENOVATE = "renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>"

CHECKOUT_HEAD = "9f2c1e4b7a0d3c5e8f1a2b3c4d5e6f708192a3b4"
INVENTORY_HEAD = "4b1d2c3e5f60718293a4b5c6d7e8f90112233445"
PAYMENTS_HEAD = sha("payments: add currency column")
ORDERS_HEAD = sha("orders: raise cpu request")

# Every commit of REPO_URL the world knows, by app. The last of each list is the app's newest.
_COMMITS: dict[str, list[Commit]] = {
    "guestbook": [
        Commit(sha("guestbook-1"), MARTA, "Add guestbook-config ConfigMap", 21 * DAY),
        Commit(sha("guestbook-2"), MARTA, "guestbook: greet with Hello", 9 * DAY),
        Commit(
            sha("guestbook-3"),
            RENOVATE,
            "chore(deps): update ks-guestbook-demo to 0.2",
            2 * DAY + 600,
            ("guestbook-v0.2",),
        ),
    ],
    "checkout": [
        Commit(sha("checkout-1"), RENOVATE, "chore(deps): update checkout-api to 2.2.4", 12 * DAY),
        Commit(sha("checkout-2"), JONAS, "checkout: readiness probe on /healthz", 5 * DAY),
        Commit(
            sha("checkout-3"), RENOVATE, "chore(deps): update checkout-api to 2.3.0", 3 * DAY, ("v2.3.0",)
        ),
        Commit(
            CHECKOUT_HEAD,
            PRIYA,
            "Read DATABASE_URL from the checkout-db secret\n"
            "\n"
            "checkout-api 2.3.1 loads its settings with Settings.from_env() and reads\n"
            "DATABASE_URL directly instead of assembling it from DB_HOST and DB_USER.\n"
            "Drop DATABASE_URL from the checkout-config ConfigMap: the connection\n"
            "string carries the database password and is to come from the checkout-db\n"
            "Secret from now on.\n"
            "\n"
            "Bump checkout-api to 2.3.1.",
            DAY + 900,
            ("v2.3.1",),
        ),
    ],
    "inventory": [
        Commit(sha("inventory-1"), LENA, "inventory: add inventory-settings ConfigMap", 14 * DAY),
        Commit(
            sha("inventory-2"),
            LENA,
            "Remove the inventory-legacy-sync CronJob\n\nBulk import replaces the nightly legacy sync.",
            8 * DAY,
        ),
        Commit(sha("inventory-3"), LENA, "inventory: enable the BULK_IMPORT feature flag", 4 * DAY),
        Commit(
            INVENTORY_HEAD,
            JONAS,
            "Bump inventory-api to 1.5.0 and scale to 3 replicas\n"
            "\n"
            "1.5.0 serves bulk imports; three replicas keep the import workers off the\n"
            "request path.",
            2 * 3600 + 600,
            ("inventory-v1.5.0",),
        ),
    ],
    "platform-tools": [
        Commit(sha("platform-1"), MARTA, "platform: node-exporter v1.9.1", 16 * DAY),
        Commit(sha("platform-2"), MARTA, "platform: alerting rules for every service", 6 * DAY),
        Commit(sha("platform-3"), MARTA, "platform: log-firehose 0.9.0", 3 * DAY),
    ],
    "tenant-portal": [
        Commit(sha("tenant-1"), JONAS, "tenant-portal: first deployment", 30 * DAY),
        Commit(sha("tenant-2"), JONAS, "tenant-portal: 1.1.0", 10 * DAY),
        Commit(sha("tenant-3"), RENOVATE, "chore(deps): update tenant-portal to 1.2.0", 3 * DAY),
    ],
    "payments": [
        Commit(sha("payments-1"), PRIYA, "payments: refunds carry a reason (migration 0041)", 18 * DAY),
        Commit(sha("payments-2"), RENOVATE, "chore(deps): update payments-api to 1.8.1", 9 * DAY),
        Commit(
            sha("payments-3"), PRIYA, "payments: 1.8.2 with idempotency keys", 4 * DAY, ("payments-v1.8.2",)
        ),
        Commit(
            PAYMENTS_HEAD,
            PRIYA,
            "Add currency column to payments\n"
            "\n"
            "Migration 0042 adds payments.currency (char(3), NOT NULL DEFAULT 'EUR') so\n"
            "that payments-api 1.9.0 can take charges in several currencies. The\n"
            "payments-db-migrate PreSync hook applies it before the new pods roll out.\n"
            "\n"
            "Bump payments-api to 1.9.0.",
            2100,
        ),
    ],
    "orders": [
        Commit(sha("orders-1"), TOMAS, "orders: first deployment", 40 * DAY),
        Commit(sha("orders-2"), TOMAS, "orders: cpu limit of 1 for orders-api", 15 * DAY),
        Commit(sha("orders-3"), RENOVATE, "chore(deps): update orders-api to 4.2.0", 5 * DAY),
        Commit(
            ORDERS_HEAD,
            TOMAS,
            "Raise the orders-api CPU request to 2 for the holiday peak\n"
            "\n"
            "Checkout latency doubled under last week's load test; give orders-api two\n"
            "full cores.",
            3 * 3600,
        ),
    ],
}
COMMITS: dict[str, Commit] = {c.sha: c for commits in _COMMITS.values() for c in commits}

_BILLING_DESCRIPTION = "Billing API and invoice workers of example.org"
CHARTS: dict[tuple[str, str], Chart] = {
    (c.name, c.version): c
    for c in (
        Chart(
            "billing",
            version,
            _BILLING_DESCRIPTION,
            "https://github.com/example-org/billing",
            ("Billing Team <billing@example.org>", "Sam Okafor <sam.okafor@example.org>"),
        )
        for version in ("2.2.0", "2.3.0", "2.4.1")
    )
}


def find_commit(revision: str, commits: Mapping[str, Commit] | None = None) -> Commit | None:
    """The commit a full or truncated (7+ hex digits) SHA names, as `git` resolves it."""
    commits = COMMITS if commits is None else commits
    revision = revision.lower()
    if len(revision) == 40:
        return commits.get(revision)
    matches = [c for s, c in commits.items() if s.startswith(revision)]
    return matches[0] if len(matches) == 1 else None


def revision_metadata(commit: Commit) -> JSON:
    """Argo CD's RevisionMetadata of a commit (Go omitempty: no tags, no signatureInfo when empty)."""
    answer: JSON = {"author": commit.author, "date": rfc3339(ago(commit.age))}
    if commit.tags:
        answer["tags"] = list(commit.tags)
    answer["message"] = commit.message
    return answer


def chart_details(chart: Chart) -> JSON:
    return {"description": chart.description, "home": chart.home, "maintainers": list(chart.maintainers)}


def deploy_history(
    app: App,
    revisions: list[str],
    first_id: int,
    *,
    initiators: dict[int, str] | None = None,
    commits: Mapping[str, Commit] | None = None,
) -> None:
    """Fills `app.history` (oldest first): each revision deployed in turn, the last one `app.synced_ago`
    seconds ago, the earlier ones some time after they were authored. `initiators` maps an index of
    `revisions` to the user who synced it by hand (otherwise automated); `commits` are where the
    revisions' authoring times are looked up (the world's repository by default)."""
    initiators = initiators or {}
    commits = COMMITS if commits is None else commits
    entries: list[JSON] = []
    for i, revision in enumerate(revisions):
        last = i == len(revisions) - 1
        commit = commits.get(revision)
        authored = commit.age if commit else (len(revisions) - i) * 5 * DAY
        deployed = app.synced_ago if last else max(authored - 1800, app.synced_ago + 3600)
        user = initiators.get(i)
        entries.append(
            {
                "revision": revision,
                "deployedAt": rfc3339(ago(deployed)),
                "id": first_id + i,
                "source": app.source if not app.chart else {**app.source, "targetRevision": revision},
                "deployStartedAt": rfc3339(ago(deployed + 10)),
                "initiatedBy": {"username": user} if user else {"automated": True},
            }
        )
    app.history = entries


def newest(app_name: str) -> str:
    return _COMMITS[app_name][-1].sha


def revisions_of(app_name: str) -> list[str]:
    return [c.sha for c in _COMMITS[app_name]]
