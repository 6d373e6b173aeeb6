"""Settings: environment, overrides, validation."""

from __future__ import annotations

import pytest

from mcp_server.config import DEFAULT_ALLOWED_HOSTS, Settings, SettingsError, load_settings
from mcp_server.server import host_allowed


def test_defaults_are_read_only_with_loopback_and_service_hosts() -> None:
    settings = Settings(argocd_server="https://argocd.example.com/")
    assert settings.argocd_server == "https://argocd.example.com"
    assert settings.mcp_read_only
    assert settings.mcp_allowed_hosts == list(DEFAULT_ALLOWED_HOSTS)
    assert settings.verify is True


def test_every_setting_has_a_description() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, name


def test_environment_variables_are_read_and_lists_are_comma_separated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ARGOCD_SERVER", "http://argocd:8080")
    monkeypatch.setenv("MCP_ALLOWED_HOSTS", "mcp.example.com, *.svc")
    monkeypatch.setenv("SCOPED_TOKEN_SHA256", "A" * 64)
    monkeypatch.setenv("ASSISTANT_SCOPE_KEY", "key")
    monkeypatch.setenv("ARGOCD_INSECURE", "true")
    settings = load_settings()
    assert settings.mcp_allowed_hosts == ["mcp.example.com", "*.svc"]
    assert settings.scoped_token_sha256 == ["a" * 64]
    assert settings.verify is False


def test_overrides_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARGOCD_SERVER", "http://from-env")
    assert load_settings(argocd_server="http://from-flag").argocd_server == "http://from-flag"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"argocd_server": "ftp://x"}, "ARGOCD_SERVER"),
        ({"argocd_server": "http://x", "argocd_timeout": 0}, "ARGOCD_TIMEOUT"),
        ({"argocd_server": "http://x", "argocd_ca_file": "/nonexistent.pem"}, "ARGOCD_CA_FILE"),
        ({"argocd_server": "http://x", "scoped_token_sha256": "nothex"}, "SCOPED_TOKEN_SHA256"),
        ({"argocd_server": "http://x", "scoped_token_sha256": "a" * 64}, "ASSISTANT_SCOPE_KEY"),
        ({"argocd_server": "http://x", "allow_default_token": True}, "ARGOCD_TOKEN"),
        ({"argocd_server": "http://x", "mcp_default_log_lines": 500, "mcp_max_log_lines": 100}, "LOG_LINES"),
        ({"argocd_server": "http://x", "no_such_setting": 1}, "NO_SUCH_SETTING"),
    ],
)
def test_invalid_settings_fail_with_a_message_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, overrides: dict[str, object], message: str
) -> None:
    monkeypatch.delenv("ARGOCD_SERVER", raising=False)
    with pytest.raises(SettingsError, match=message):
        load_settings(**overrides)


def test_a_missing_server_url_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARGOCD_SERVER", raising=False)
    with pytest.raises(SettingsError, match="ARGOCD_SERVER"):
        load_settings()


def test_secret_settings_never_show_in_errors_or_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(
        argocd_server="http://x", argocd_token="tok-secret-123", assistant_scope_key="k-secret"
    )
    assert "tok-secret-123" not in repr(settings)
    assert "k-secret" not in repr(settings)


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1:8000", True),
        ("localhost", True),
        ("[::1]:9000", True),
        ("argocd-assistant-mcp:8000", True),
        ("argocd-assistant-mcp.argocd.svc.cluster.local:8000", True),
        ("argocd-assistant-mcp.argocd.svc", True),
        ("evil.example.com", False),
        ("argocd-assistant-mcp-evil.com", False),
        ("argocd-assistant-mcp.attacker.example", False),
        ("argocd-assistant-mcp.attacker.example.svc", False),
        ("argocd-assistant-mcp.a.b.svc.cluster.local", False),
        ("argocd-assistant-mcp.svc", False),
        ("", False),
    ],
)
def test_host_patterns_accept_loopback_and_the_service_name_only(host: str, allowed: bool) -> None:
    assert host_allowed(host, list(DEFAULT_ALLOWED_HOSTS)) is allowed


def test_the_cli_refuses_invalid_configuration_with_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    from mcp_server.__main__ import main

    assert main(["--transport", "http", "--argocd-server", "ftp://argocd", "--max-events", "0"]) == 2
    err = capsys.readouterr().err
    assert "ARGOCD_SERVER" in err
    assert "MCP_MAX_EVENTS" in err


def test_a_wildcard_is_one_dns_label_unless_it_is_the_whole_pattern() -> None:
    assert host_allowed("mcp.team.example.com", ["mcp.*.example.com"])
    assert not host_allowed("mcp.a.b.example.com", ["mcp.*.example.com"])
    assert not host_allowed("mcp..example.com", ["mcp.*.example.com"])
    assert host_allowed("anything.at.all:1234", ["*"])
