"""Options of the simulator (the same as its command line)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SimulatorConfig:
    extension_url: str | None = None  # backend of the `assistant` proxy extension (services[].url)
    extension_headers: dict[str, str] = field(default_factory=dict)  # services[].headers
    direct_route_url: str | None = None  # backend of `/assistant/…` (an Ingress rule on the Argo CD host)
    static_dir: str | None = None  # host page: `/` and `/ui/<path>`
    extensions_dir: str | None = None  # files concatenated into `/extensions.js`
    # devstack only: `/extensions.js?route=NAME` serves this directory instead (one Argo CD install per
    # relay route, each with the vars file the extension installer wrote for it)
    route_extensions_dirs: dict[str, str] = field(default_factory=dict)
    # devstack only: a directory of evaluation scenarios (eval/scenarios/*.yaml); each adds an Application
    # (project `eval`) to the demo world of this instance only
    scenarios_dir: str | None = None
    # devstack only: seconds the simulated controller takes to finish a sync or rollback (the operation is
    # Running until then; 0 = finished by the next request)
    operation_delay: float = 0.5
