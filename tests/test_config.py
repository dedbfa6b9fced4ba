"""Configuration: every key documented, unknown keys and bad values stop start-up."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from rekruttering.config import (
    KEYS,
    SCHEMA,
    ConfigError,
    Settings,
    load_settings,
    parse_settings,
)

ROOT = Path(__file__).resolve().parent.parent


def test_example_config_documents_every_key_and_parses() -> None:
    """config.example.toml holds every key of SCHEMA, and only those, and is valid."""
    data = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    documented = {f"{s}.{k}" for s, table in data.items() for k in table}
    assert documented == set(KEYS)
    parse_settings(data, environ={})


def test_misspelt_key_names_the_key(tmp_path: Path) -> None:
    """A misspelt key stops loading with a message that names it."""
    file = tmp_path / "c.toml"
    file.write_text('[sms]\ngatway = "outbox"\n')
    with pytest.raises(ConfigError, match=r"sms\.gatway: unknown setting"):
        load_settings(file, environ={})


def test_bad_value_names_the_key_and_what_was_expected(tmp_path: Path) -> None:
    """A bad value names the key and what was expected."""
    file = tmp_path / "c.toml"
    file.write_text('[sms]\nquiet_hours_start = "25:00"\n')
    with pytest.raises(
        ConfigError, match=r'sms\.quiet_hours_start: expected a time of day as "HH:MM"'
    ):
        load_settings(file, environ={})


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("sms", "gateway", '"carrier-pigeon"', 'expected one of "outbox", "twilio"'),
        ("funnel", "regular_attendances", "0", "at least 1"),
        ("funnel", "regular_weeks", '"eight"', "whole number"),
        ("app", "database_url", '"mysql://x"', "sqlite://"),
        ("app", "demo", '"maybe"', "true or false"),
    ],
)
def test_bad_values(tmp_path: Path, section: str, key: str, value: str, expected: str) -> None:
    """Each kind of bad value is refused with the key and a hint."""
    file = tmp_path / "c.toml"
    file.write_text(f"[{section}]\n{key} = {value}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(file, environ={})
    assert str(info.value).startswith(f"{section}.{key}:")
    assert expected in str(info.value)


def test_environment_overrides_secrets(tmp_path: Path) -> None:
    """Secrets come from the environment and win over the file."""
    file = tmp_path / "c.toml"
    file.write_text('[app]\nsecret_key = "from-file"\n')
    settings = load_settings(
        file, environ={"REKRUTTERING_SECRET_KEY": "from-env", "TWILIO_AUTH_TOKEN": "tok"}
    )
    assert settings.app.secret_key == "from-env"
    assert settings.twilio.auth_token == "tok"


def test_no_file_means_demo_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without any config the app runs in demo mode."""
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.demo
    assert settings.sms.gateway == "outbox"


def test_missing_config_file_named_by_env_is_an_error(tmp_path: Path) -> None:
    """$REKRUTTERING_CONFIG pointing nowhere is an error, not silent demo mode."""
    with pytest.raises(ConfigError, match="REKRUTTERING_CONFIG"):
        load_settings(environ={"REKRUTTERING_CONFIG": str(tmp_path / "nope.toml")})


def _start(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    file = tmp_path / "c.toml"
    file.write_text(text)
    return subprocess.run(
        [sys.executable, "-m", "rekruttering.cli", "routes"],
        env={"REKRUTTERING_CONFIG": str(file), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def test_startup_stops_with_one_line_naming_the_key(tmp_path: Path) -> None:
    """The real command refuses to start on a misspelt key or a bad value, in one line."""
    result = _start(tmp_path, '[app]\nsecret_kee = "x"\n')
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Configuration error: app.secret_kee: unknown setting in "
        f"{tmp_path / 'c.toml'}; see config.example.toml"
    ]
    result = _start(
        tmp_path,
        '[app]\nsecret_key = "x"\ndatabase_url = "sqlite://"\n[security]\nlogin_attempts = -1\n',
    )
    assert result.returncode == 2
    assert "security.login_attempts: expected a whole number of at least 3" in result.stderr


def test_missing_secret_key_outside_demo_stops_startup(tmp_path: Path) -> None:
    """Outside demo mode there is no default secret key."""
    result = _start(tmp_path, '[app]\ndatabase_url = "sqlite://"\n')
    assert result.returncode == 2
    assert "app.secret_key: required outside demo mode" in result.stderr


def test_settings_are_typed_frozen_sections() -> None:
    """One frozen dataclass per section, read as attributes; every SCHEMA key is one."""
    settings = parse_settings({"sms": {"claim_lease_seconds": "120"}}, environ={})
    assert settings.sms.claim_lease_seconds == 120
    assert settings.funnel.regular_weeks == 8  # the default
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.sms.claim_lease_seconds = 1  # type: ignore[misc]  # frozen on purpose
    for key in SCHEMA:
        assert key.dotted == f"{key.section}.{key.name}"
        assert settings.value(key.dotted) == getattr(getattr(settings, key.section), key.name)
    assert parse_settings({}, environ={}) == Settings()


def test_replace_takes_dotted_keys_checked_like_the_file() -> None:
    """``Settings.replace`` (the tests' overrides) changes only the keys it names."""
    base = parse_settings({"app": {"secret_key": "s"}}, environ={})
    changed = base.replace({"sms.gateway": "twilio", "sms.max_segments": "4"})
    assert (changed.sms.gateway, changed.sms.max_segments) == ("twilio", 4)
    assert changed.sms.quiet_hours_end == base.sms.quiet_hours_end
    assert changed.app.secret_key == "s"
    assert base.sms.gateway == "outbox"
    with pytest.raises(ConfigError, match=r"sms\.max_segments: expected a whole number"):
        base.replace({"sms.max_segments": "many"})
    with pytest.raises(ConfigError, match=r"sms\.gatway: unknown setting"):
        base.replace({"sms.gatway": "outbox"})


#: ``settings["sms.gateway"]``-style lookups and the raw extensions entry.
_DOTTED_LOOKUP = re.compile(
    r"\[\s*[\"'](" + "|".join(sorted({k.section for k in SCHEMA})) + r")\.\w+[\"']\s*\]"
)
_RAW_EXTENSION = re.compile(r"extensions\[\s*[\"']rekruttering\.settings[\"']\s*\]")


def test_code_reads_settings_as_attributes_through_current_settings() -> None:
    """Code reads ``current_settings().sms.gateway``, never a dotted string or the
    extensions entry (released migrations, which never change, are the exception)."""
    offenders = []
    for folder in ("rekruttering", "jobs"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations/versions" in path.as_posix():
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _DOTTED_LOOKUP.search(line) or _RAW_EXTENSION.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
