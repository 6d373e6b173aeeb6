"""The two servers the dev stack can run as its llama-stack: llama-stack 0.7.3 and OGX 1.x, its successor.

Which one is chosen (`StackOptions.llamastack_flavour`, `--llama-stack`, `$DEVSTACK_LLAMA_FLAVOUR`), that
each reads the dev stack's run.yaml as written, and that OGX reads deploy/'s run config unchanged (an OGX
deployment changes only its command). The whole chain against OGX: `make test-ogx`."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from devstack import launcher
from devstack.launcher import StackOptions
from devstack.llama_flavours import FLAVOUR_ENV, FLAVOURS, LLAMASTACK_DIR, ROOT, LlamaFlavour

# Parses a run config the way `llama stack run` / `ogx run` do (environment substitution, the legacy-store
# upgrades, the StackConfig model, every provider resolved against the registry) and prints what matters.
VALIDATE = """
import importlib, json, os, sys, tempfile
import yaml
package, path = sys.argv[1], sys.argv[2]
os.environ.setdefault("OGX_CONFIG_DIR", tempfile.mkdtemp())  # no ~/.llama migration
configure = importlib.import_module(package + ".core.configure")
distribution = importlib.import_module(package + ".core.distribution")
resolver = importlib.import_module(package + ".core.resolver")
config = configure.parse_and_maybe_upgrade_config(yaml.safe_load(open(path)))
routed = distribution.builtin_automatically_routed_apis()
resolver.validate_and_prepare_providers(
    run_config=config,
    provider_registry=distribution.get_provider_registry(),
    routing_table_apis={r.routing_table_api for r in routed},
    router_apis={r.router_api for r in routed},
)
stores = config.storage.stores
auth = config.server.auth
print(json.dumps({
    "connectors": [c.model_dump(mode="json") for c in config.connectors],
    "auth": auth.provider_config.model_dump(mode="json") if auth else None,
    "prompts": stores.prompts.model_dump(mode="json"),
    "connectors_store": stores.connectors.model_dump(mode="json"),
    "backends": {name: b.type for name, b in config.storage.backends.items()},
    "insecure": getattr(config.server, "insecure", None),
    "tls": bool(config.server.tls_certfile and config.server.tls_keyfile),
}))
"""
PACKAGE = {"llama-stack": "llama_stack", "ogx": "ogx"}


def _parse(flavour: LlamaFlavour, config: Path) -> dict[str, Any]:
    if not flavour.python.exists():
        pytest.skip(f"{flavour.label}'s virtualenv is not installed: `{flavour.make_target}`")
    result = subprocess.run(
        [str(flavour.python), "-c", VALIDATE, PACKAGE[flavour.name], str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    parsed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


# --- choosing one -------------------------------------------------------------------------------------


def test_the_flavour_is_llama_stack_unless_named_or_set_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(FLAVOUR_ENV, raising=False)
    assert StackOptions().llamastack_flavour == "llama-stack"
    assert StackOptions(llamastack_flavour="ogx").flavour is FLAVOURS["ogx"]
    monkeypatch.setenv(FLAVOUR_ENV, "ogx")
    assert StackOptions().flavour.serve == LLAMASTACK_DIR / "serve_ogx.py"
    assert launcher.llama_flavour().venv == ROOT / ".venv-ogx"


def test_an_unknown_flavour_is_refused_with_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="choose one of llama-stack, ogx"):
        StackOptions(llamastack_flavour="vllm")  # type: ignore[arg-type]
    monkeypatch.setenv(FLAVOUR_ENV, "llamastack")
    with pytest.raises(ValueError, match="'llamastack'"):
        launcher.llama_flavour()


def test_the_command_line_refuses_an_unknown_flavour(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        launcher.main(["up", "--llama-stack", "vllm"])
    assert exited.value.code == 2
    assert "invalid choice: 'vllm'" in capsys.readouterr().err


def test_each_flavour_starts_its_own_script_with_its_own_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OGX_PYTHON", raising=False)
    ogx = FLAVOURS["ogx"]
    assert ogx.argv(8321) == [
        str(ROOT / ".venv-ogx" / "bin" / "python"),
        str(LLAMASTACK_DIR / "serve_ogx.py"),
        str(LLAMASTACK_DIR / "run.yaml"),
        "--port",
        "8321",
    ]
    monkeypatch.setenv("OGX_PYTHON", "/opt/ogx/bin/python")
    assert ogx.argv(1, config=Path("/tmp/run.yaml"))[:3] == [
        "/opt/ogx/bin/python",
        str(LLAMASTACK_DIR / "serve_ogx.py"),
        "/tmp/run.yaml",
    ]
    assert FLAVOURS["llama-stack"].make_target == "make .venv-llamastack/.installed"


@pytest.mark.parametrize(
    ("name", "requirements"), [("llama-stack", "requirements.txt"), ("ogx", "requirements-ogx.txt")]
)
def test_each_label_names_the_version_its_requirements_pin(name: str, requirements: str) -> None:
    pins = (LLAMASTACK_DIR / requirements).read_text()
    (version,) = re.findall(rf"^{name}==(\S+)$", pins, re.MULTILINE)  # the PyPI name is the flavour's
    assert launcher.llama_flavour(name).label.endswith(f" {version}")


# --- what each reads ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["llama-stack", "ogx"])
def test_the_dev_stacks_run_config_serves_both_flavours(name: str) -> None:
    parsed = _parse(launcher.llama_flavour(name), LLAMASTACK_DIR / "run.yaml")
    (connector,) = parsed["connectors"]
    assert (connector["connector_id"], connector["url"]) == ("argocd", "http://127.0.0.1:8800/mcp")
    if name == "ogx":
        # OGX keeps prompts and connectors in SQL tables: the key-value references become sql_default tables
        assert parsed["prompts"] == {"table_name": "prompts", "backend": "sql_default"}
        assert parsed["connectors_store"] == {"table_name": "connectors", "backend": "sql_default"}
        assert parsed["backends"]["sql_default"] == "sql_sqlite"
        # plain HTTP on loopback is allowed by serve_ogx.py's --insecure, not by the shared file
        assert (parsed["insecure"], parsed["tls"]) == (False, False)
    else:
        assert parsed["prompts"] == {"namespace": "prompts", "backend": "kv_default"}


def test_ogx_reads_the_deployed_run_config_unchanged_with_the_relay_as_its_auth_provider() -> None:
    parsed = _parse(FLAVOURS["ogx"], ROOT / "deploy" / "llama-stack" / "run.yaml")
    assert parsed["auth"]["type"] == "custom"
    assert parsed["auth"]["endpoint"].endswith("/internal/llama-stack-auth")
    assert [c["connector_id"] for c in parsed["connectors"]] == ["argocd"]
    assert parsed["prompts"]["backend"] == parsed["connectors_store"]["backend"] == "sql_default"
    # neither TLS nor `insecure` in the file: `ogx run` refuses to start until the deployment adds one
    # (docs/deployment.md, "llama-stack or OGX": `--insecure` on the command line)
    assert (parsed["insecure"], parsed["tls"]) == (False, False)
