"""Output shaping: manifests, Secret masking, events, redaction, byte caps."""

from __future__ import annotations

import json

import yaml

from mcp_server.shaping import (
    MASK,
    cap_bytes,
    clean_manifest,
    manifest_to_yaml,
    redact,
    shape_events,
    shape_log_lines,
    summarize_events,
)


def test_cap_bytes_keeps_short_text_untouched() -> None:
    assert cap_bytes("hello", 100) == ("hello", False)


def test_cap_bytes_cuts_to_the_limit_with_an_explicit_note_and_never_splits_a_character() -> None:
    text, cut = cap_bytes("é" * 5000, 1000)
    assert cut
    assert len(text.encode()) <= 1000
    assert "[truncated: showing" in text
    assert "of 10000 bytes" in text
    text.encode().decode()  # valid UTF-8


def _deployment() -> dict[str, object]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "uid": "1234",
            "resourceVersion": "99",
            "generation": 4,
            "creationTimestamp": "2024-01-01T00:00:00Z",
            "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}],
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": '{"secret":"x"}',
                "team": "shop",
            },
            "labels": {},
        },
        "spec": {"replicas": 2, "paused": None},
        "status": {"replicas": 2},
    }


def test_clean_manifest_drops_managed_fields_last_applied_and_write_noise_but_keeps_what_matters() -> None:
    out = clean_manifest(_deployment())
    meta = out["metadata"]
    for noisy in ("managedFields", "uid", "resourceVersion", "generation"):
        assert noisy not in meta
    assert meta["annotations"] == {"team": "shop"}
    assert "labels" not in meta  # empty
    assert meta["creationTimestamp"] == "2024-01-01T00:00:00Z"
    assert out["spec"] == {"replicas": 2}
    assert out["status"] == {"replicas": 2}


def test_clean_manifest_does_not_modify_its_input() -> None:
    original = _deployment()
    clean_manifest(original)
    assert "managedFields" in original["metadata"]  # type: ignore[operator]


def test_secret_values_are_masked_again_even_when_argo_cd_did_not() -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "data": {"password": "aHVudGVyMg==", "user": "YWRtaW4="},
        "stringData": {"token": "plain"},
    }
    out = clean_manifest(secret)
    assert out["data"] == {"password": MASK, "user": MASK}
    assert out["stringData"] == {"token": MASK}
    text, _ = manifest_to_yaml(secret, 10000)
    assert "aHVudGVy" not in text
    assert "plain" not in text


def test_manifest_yaml_is_valid_yaml_and_capped_with_a_note() -> None:
    text, cut = manifest_to_yaml(_deployment(), 10000)
    assert not cut
    assert yaml.safe_load(text)["kind"] == "Deployment"
    big = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "big"},
        "data": {"k": "x" * 2_000_000},
    }
    text, cut = manifest_to_yaml(big, 16000)
    assert cut
    assert len(text.encode()) <= 16000
    assert "[truncated" in text


def _event(reason: str, message: str, when: str, count: int = 1, kind: str = "Pod") -> dict[str, object]:
    return {
        "reason": reason,
        "message": message,
        "type": "Warning",
        "count": count,
        "lastTimestamp": when,
        "involvedObject": {"kind": kind, "name": "p"},
    }


def test_events_are_newest_first_deduplicated_with_counts_summed_and_capped() -> None:
    items = [
        _event("BackOff", "Back-off restarting", "2024-01-01T00:00:01Z", 3),
        _event("Pulled", "Pulled image", "2024-01-01T00:00:05Z"),
        _event("BackOff", "Back-off restarting", "2024-01-01T00:00:09Z", 4),
        _event("Scheduled", "Assigned", "2024-01-01T00:00:00Z"),
    ]
    events, omitted = summarize_events(items, max_items=2)
    assert [e.reason for e in events] == ["BackOff", "Pulled"]
    assert events[0].count == 7
    assert events[0].last_seen == "2024-01-01T00:00:09Z"
    assert omitted == 1
    text, cut = shape_events(items, max_items=2, max_bytes=5000)
    assert cut
    assert "(x7)" in text
    assert "1 older distinct events not shown" in text


def test_event_messages_are_redacted() -> None:
    text, _ = shape_events([_event("Failed", "pull failed: password=hunter2", "t")], 10, 1000)
    assert "hunter2" not in text


def test_redact_masks_common_credential_shapes() -> None:
    samples = {
        "Authorization: Bearer abcdef123456789": "abcdef123456789",
        "user=admin password=hunter2 ok": "hunter2",
        '{"client_secret": "s3cr3t-value"}': "s3cr3t-value",
        "DB_PASSWORD: swordfish": "swordfish",
        "token=abc.def.ghi": "abc.def.ghi",
        "key AKIAIOSFODNN7EXAMPLE loaded": "AKIAIOSFODNN7EXAMPLE",
        "gh token ghp_" + "a" * 36: "ghp_" + "a" * 36,
        "slack xoxb-1234567890-abcdefghij": "xoxb-1234567890-abcdefghij",
        "openai sk-proj-" + "b" * 40: "sk-proj-" + "b" * 40,
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl": "eyJhbGciOiJIUzI1NiJ9",
        "url https://bob:pa55word@git.example.com/repo": "pa55word",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----": "MIIEabc",
    }
    for text, secret in samples.items():
        out = redact(text)
        assert secret not in out, (text, out)
        assert "REDACTED" in out


def test_redact_leaves_ordinary_log_lines_alone() -> None:
    line = "INFO event id=42 queue=ingest lag_ms=3 shard=2 status=ok"
    assert redact(line) == line


def test_a_private_key_logged_line_by_line_is_removed_whole() -> None:
    lines = [
        ("p", "starting"),
        ("p", "-----BEGIN PRIVATE KEY-----"),
        ("p", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj"),
        ("p", "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu"),
        ("p", "-----END PRIVATE KEY-----"),
        ("p", "done"),
    ]
    text, cut = shape_log_lines(lines, 10000, show_pod=False)
    assert not cut
    assert text.split("\n") == ["starting", "[REDACTED PRIVATE KEY]", "done"]


def test_log_shaping_keeps_the_newest_lines_within_the_byte_cap() -> None:
    lines = [("pod-a", f"line {i}") for i in range(1000)]
    text, cut = shape_log_lines(lines, 2000, show_pod=True)
    assert cut
    assert len(text.encode()) <= 2000
    assert text.startswith("[truncated: oldest")
    assert text.endswith("pod-a | line 999")


def test_a_manifest_of_many_small_values_is_cut_as_the_full_dump_would_be_and_says_at_least() -> None:
    data = {f"rule-{n:05d}": f"alert Rule{n} fires when up == 0 for 5m" for n in range(20000)}
    big = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": data}
    full, _ = manifest_to_yaml(big, 1 << 30)  # the whole dump, uncapped
    text, cut = manifest_to_yaml(big, 8000)
    assert cut
    assert len(text.encode()) <= 8000
    body, note = text.rsplit("\n", 1)
    assert full.startswith(body)
    assert len(body.encode()) > 7800
    assert note.startswith("[truncated: showing")
    assert " of at least " in note
    total = int(note.split(" of at least ")[1].split()[0])
    assert len(full.encode()) * 0.8 < total <= len(full.encode())


def test_cleaning_does_not_change_the_object_it_was_given() -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "s",
            "uid": "u",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
        },
        "data": {"password": "aHVudGVy"},
    }
    before = json.dumps(secret)
    text, _ = manifest_to_yaml(secret, 4000)
    assert json.dumps(secret) == before
    assert "aHVudGVy" not in text
    assert "annotations" not in text
    assert "uid" not in text


GOOGLE_KEY = "AIzaSyD" + "x1Y2z3" * 5 + "ab"  # AIza + 35 characters


def test_redact_masks_credentials_inside_escaped_json() -> None:
    line = 'request body="{\\"user\\":\\"bob\\",\\"password\\":\\"hunter2\\",\\"api_key\\":\\"k-9f8e7d\\"}"'
    out = redact(line)
    assert "hunter2" not in out
    assert "k-9f8e7d" not in out
    assert '\\"user\\":\\"bob\\"' in out
    assert '\\"password\\":\\"[REDACTED]\\"' in out


def test_redact_masks_authorization_headers_of_any_scheme() -> None:
    token = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    for line in (
        f"Authorization: Token {token}",
        f"authorization=Digest {token}",
        f"Proxy-Authorization: ApiKey {token}",
        f"Authorization: {token}",
        f'{{\\"Authorization\\":\\"Token {token}\\"}}',
        f"headers={{'authorization': 'SSWS {token}'}}",
    ):
        assert token not in redact(line), line
    assert redact(f"Authorization: Token {token}") == "Authorization: Token [REDACTED]"
    assert redact("Authorization header missing") == "Authorization header missing"


def test_redact_masks_google_api_keys() -> None:
    assert len(GOOGLE_KEY) == 39
    out = redact(f"maps client started with key {GOOGLE_KEY} ok")
    assert GOOGLE_KEY not in out
    assert "[REDACTED GOOGLE API KEY]" in out


def test_the_ascii_fast_path_redacts_exactly_what_the_full_path_does() -> None:
    # A non-ASCII character makes redact try every pattern; the result must not differ.
    for line in (
        'body="{\\"password\\":\\"hunter2\\"}"',
        "Authorization: Token 9944b09199c62bcf",
        f"key={GOOGLE_KEY}",
        f"google {GOOGLE_KEY}",
        "plain line without secrets",
    ):
        assert redact(line + " é") == redact(line) + " é", line


def test_log_shaping_redacts_credentials_of_every_new_shape() -> None:
    lines = [
        ("p", 'payload {\\"password\\":\\"hunter2\\"}'),
        ("p", "Authorization: Token 9944b09199c62bcf"),
        ("p", f"key {GOOGLE_KEY}"),
    ]
    text, _ = shape_log_lines(lines, 10_000, show_pod=False)
    for secret in ("hunter2", "9944b09199c62bcf", GOOGLE_KEY):
        assert secret not in text
