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
