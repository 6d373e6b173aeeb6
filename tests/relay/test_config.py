"""The relay's configuration: one model, file plus environment, invalid values named at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from relay.__main__ import main
from relay.config import READ_ONLY_TOOLS, ConfigError, build_config, load_config

MINIMAL = {"mcp": {"server_url": "http://127.0.0.1:1/mcp"}, "argocd": {"url": "http://127.0.0.1:2"}}


def test_a_minimal_configuration_gets_safe_defaults() -> None:
    config = build_config(MINIMAL)
    assert config.mcp.allowed_tools == list(READ_ONLY_TOOLS)
    assert config.limits.heartbeat_seconds == 15
    assert config.identity.modes == ["cookie", "bearer", "pasted"]
    assert "untrusted" in config.llama_stack.instructions
    assert config.llama_stack.model is None


def test_every_field_has_a_description() -> None:
    config = build_config(MINIMAL)
    sections = [config, config.llama_stack, config.mcp, config.argocd, config.identity, config.limits]
    for section in sections:
        for name, field in type(section).model_fields.items():
            assert field.description, f"{type(section).__name__}.{name}"


def test_unknown_and_missing_fields_are_named() -> None:
    with pytest.raises(ConfigError) as error:
        build_config({"mcp": {"server_url": "http://x/mcp"}, "argocd": {}, "limits": {"heartbeat_secs": 1}})
    assert "argocd.url" in str(error.value)
    assert "limits.heartbeat_secs" in str(error.value)


def test_the_scoped_mode_without_its_secrets_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"identity\.service_token"):
        build_config({**MINIMAL, "identity": {"modes": ["scoped"]}})


def test_the_mcp_server_is_named_exactly_once() -> None:
    with pytest.raises(ConfigError, match="exactly one"):
        build_config({**MINIMAL, "mcp": {"server_url": "http://x/mcp", "connector_id": "argocd"}})


def test_environment_variables_override_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "relay.yaml"
    path.write_text(
        "mcp: {server_url: 'http://127.0.0.1:1/mcp'}\nargocd: {url: 'http://a'}\nlimits: {max_events: 5}\n"
    )
    monkeypatch.setenv("ASSISTANT_CONFIG", str(path))
    monkeypatch.setenv("ASSISTANT_LIMITS__HEARTBEAT_SECONDS", "2.5")
    config = load_config()
    assert (config.limits.max_events, config.limits.heartbeat_seconds) == (5, 2.5)


def test_secrets_do_not_show_in_the_configuration_repr() -> None:
    config = build_config({**MINIMAL, "identity": {"service_token": "very-secret-token"}})
    assert "very-secret-token" not in repr(config)


def test_the_command_fails_at_start_naming_the_invalid_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "relay.yaml"
    path.write_text(
        "mcp: {server_url: 'http://x/mcp'}\nargocd: {url: 'http://a'}\nlimits: {heartbeat_seconds: -1}\n"
    )
    assert main(["--config", str(path)]) == 2
    assert "limits.heartbeat_seconds" in capsys.readouterr().err


def test_the_read_only_tools_are_exactly_the_mcp_servers_tools_outside_the_action_group() -> None:
    from mcp_server.action_words import ACTION_GROUP, ACTION_TOOLS
    from mcp_server.tools import TOOLS

    reads = [tool for tool in TOOLS if tool.name not in ACTION_GROUP]
    assert set(READ_ONLY_TOOLS) == {tool.name for tool in reads}
    assert all(tool.annotations.read_only_hint for tool in reads)
    # every action is annotated as one that changes something, and none claims to be idempotent but refresh
    actions = {tool.name: tool.annotations for tool in TOOLS if tool.name in ACTION_TOOLS}
    assert set(actions) == set(ACTION_TOOLS)
    assert not any(a.read_only_hint for a in actions.values())
    assert [name for name, a in actions.items() if a.idempotent_hint] == ["refresh_application"]
    assert [name for name, a in actions.items() if not a.destructive_hint] == ["refresh_application"]


def test_actions_are_off_by_default_and_only_known_ones_can_be_enabled() -> None:
    base = {"mcp": {"server_url": "http://x/mcp"}, "argocd": {"url": "http://a"}}
    assert build_config(base).actions.enabled == []
    with pytest.raises(ConfigError, match="unknown action"):
        build_config({**base, "actions": {"enabled": ["delete_application"]}})
    with pytest.raises(ConfigError, match="approval_timeout_seconds"):
        build_config({**base, "actions": {"enabled": ["sync_application"], "approval_timeout_seconds": 400}})


@pytest.mark.parametrize(
    ("section", "values", "field"),
    [
        ("argocd", {"url": "also not"}, "argocd.url"),
        ("llama_stack", {"url": "ftp:/x"}, "llama_stack.url"),
        ("llama_stack", {"url": "http://"}, "llama_stack.url"),
        ("mcp", {"server_url": "not a url"}, "mcp.server_url"),
    ],
)
def test_urls_must_be_http_or_https_with_a_host(section: str, values: dict[str, str], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        build_config({**MINIMAL, section: values})
    assert f"{field}: " in str(error.value)
    assert "http" in str(error.value)


def test_a_missing_or_unreadable_ca_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "absent-ca.pem"
    with pytest.raises(ConfigError) as error:
        build_config({**MINIMAL, "argocd": {**MINIMAL["argocd"], "ca_file": str(missing)}})
    assert "argocd.ca_file" in str(error.value)
    assert "absent-ca.pem" in str(error.value)
    with pytest.raises(ConfigError, match=r"argocd\.ca_file"):
        build_config({**MINIMAL, "argocd": {**MINIMAL["argocd"], "ca_file": str(tmp_path)}})  # a directory
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    assert build_config({**MINIMAL, "argocd": {**MINIMAL["argocd"], "ca_file": str(ca)}}).argocd.ca_file == ca


def test_the_command_names_a_missing_ca_file_instead_of_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "relay.yaml"
    path.write_text(
        f"mcp: {{server_url: 'http://x/mcp'}}\nargocd: {{url: 'https://a', ca_file: '{tmp_path}/no'}}\n"
    )
    assert main(["--config", str(path)]) == 2
    assert "argocd.ca_file" in capsys.readouterr().err


def test_allowed_tools_must_be_tools_the_mcp_server_offers() -> None:
    with pytest.raises(ConfigError) as error:
        build_config({**MINIMAL, "mcp": {**MINIMAL["mcp"], "allowed_tools": ["get_events", "get_log"]}})
    assert "mcp.allowed_tools" in str(error.value)
    assert "get_log" in str(error.value)
    config = build_config({**MINIMAL, "mcp": {**MINIMAL["mcp"], "allowed_tools": ["get_events"]}})
    assert config.mcp.allowed_tools == ["get_events"]


def test_in_the_scoped_mode_a_scope_must_outlive_the_longest_answer() -> None:
    identity = {
        "modes": ["scoped"],
        "service_token": "t",
        "scope_signing_key": "k",
        "proxy_secret": "p",
        "scope_ttl_seconds": 60,
    }
    with pytest.raises(ConfigError) as error:
        build_config({**MINIMAL, "identity": identity, "limits": {"stream_timeout_seconds": 120}})
    assert "identity.scope_ttl_seconds" in str(error.value)
    assert "limits.stream_timeout_seconds" in str(error.value)
    config = build_config({**MINIMAL, "identity": identity, "limits": {"stream_timeout_seconds": 60}})
    assert config.identity.scope_ttl_seconds == 60


def test_argo_cds_own_namespace_defaults_to_argocd() -> None:
    assert build_config(MINIMAL).argocd.namespace == "argocd"
