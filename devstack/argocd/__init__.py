"""Argo CD API simulator: the REST endpoints the assistant uses, real casbin RBAC, a demo world, and the
proxy-extension / direct-route behaviour of an Argo CD host. See docs/dev/CONTRACTS.md."""

from devstack.argocd.app import create_app
from devstack.argocd.config import SimulatorConfig

__all__ = ["SimulatorConfig", "create_app"]
