"""Settings: a TOML file, checked key by key, with environment overrides for secrets.

Every key is declared once in ``SCHEMA`` (with its type and default) and documented in
``config.example.toml``; a test keeps the two in step. An unknown key or a bad value
stops start-up with one line that names the key and what was expected.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """A setting is unknown or has a bad value. The message names the key."""


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


def _int_parser(minimum: int | None = None, maximum: int | None = None) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError("expected a whole number")
        if isinstance(value, str):
            if not re.fullmatch(r"\s*-?\d+\s*", value):
                raise ValueError("expected a whole number")
            value = int(value)
        if not isinstance(value, int):
            raise ValueError("expected a whole number")
        if minimum is not None and value < minimum:
            raise ValueError(f"expected a whole number of at least {minimum}")
        if maximum is not None and value > maximum:
            raise ValueError(f"expected a whole number of at most {maximum}")
        return value

    return parse


def _parse_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _parse_frame_ancestors(value: Any) -> str:
    """CSP frame-ancestors sources: "*", "'none'" or origins separated by spaces."""
    text = " ".join(_parse_str(value).split())
    if not text or any(c in text for c in ";,\"\\"):
        raise ValueError("expected CSP sources separated by spaces, like \"https://example.no\"")
    return text


def _parse_time(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            return time(int(match[1]), int(match[2]))
    raise ValueError('expected a time of day as "HH:MM"')


def _parse_nightly_time(value: Any) -> time:
    """A time for nightly work: not in 02:00-03:00, which Oslo skips or repeats when
    summer time starts or ends (a job there runs twice or not at all)."""
    parsed = _parse_time(value)
    if parsed.hour == 2:
        raise ValueError('expected a time outside 02:00-03:00 (summer time), such as "01:30"')
    return parsed


def _choice_parser(*choices: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in choices:
            raise ValueError("expected one of " + ", ".join(f'"{c}"' for c in choices))
        return value

    return parse


def _parse_database_url(value: Any) -> str:
    text = _parse_str(value)
    if text and not re.match(r"^(sqlite|postgresql(\+psycopg)?)://", text):
        raise ValueError('expected a URL starting with "sqlite://" or "postgresql+psycopg://"')
    return text


#: Storages of the ``limits`` library that a [limits] storage_uri may name.
LIMITS_SCHEMES = (
    "memory",
    "database",
    "redis",
    "rediss",
    "redis+unix",
    "redis+sentinel",
    "redis+cluster",
    "memcached",
    "mongodb",
    "mongodb+srv",
    "valkey",
    "valkeys",
    "valkey+cluster",
    "valkey+sentinel",
)


def _parse_limits_uri(value: Any) -> str:
    text = _parse_str(value).strip()
    scheme = text.split("://", 1)[0] if "://" in text else ""
    if scheme not in LIMITS_SCHEMES:
        raise ValueError(
            'expected a storage URI such as "memory://", "database://" or "redis://host:6379"'
        )
    return text


def _parse_url(value: Any) -> str:
    text = _parse_str(value)
    if text and not re.match(r"^https?://[^\s/]+", text):
        raise ValueError('expected an http(s) URL such as "https://centre.example.org"')
    return text.rstrip("/")


def _parse_inbound_centres(value: Any) -> dict[str, str]:
    """Receiving number (E.164) or Twilio Messaging Service SID (MG...) -> centre slug."""
    from rekruttering.domain.phone import try_normalise_phone  # pure, no Flask

    if not isinstance(value, Mapping):
        raise ValueError('expected a table such as { "+4722334400" = "borgen" }')
    result: dict[str, str] = {}
    for raw, slug in value.items():
        if not isinstance(raw, str) or not isinstance(slug, str) or not slug.strip():
            raise ValueError("expected numbers or messaging service SIDs mapped to centre slugs")
        key = raw.strip()
        if not key.startswith("MG"):
            number = try_normalise_phone(key)
            if number is None:
                raise ValueError(f"{raw!r} is neither a phone number nor a messaging service SID")
            key = number
        result[key] = slug.strip()
    return result


def _parse_languages(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError('expected a list of language codes such as ["nb", "en"]')
    codes = tuple(code.strip() for code in value if code.strip())
    if not codes:
        raise ValueError('expected a list of language codes such as ["nb", "en"]')
    return codes


@dataclass(frozen=True)
class Key:
    """One setting: where it lives, how it is parsed, its default, its environment name."""

    section: str
    name: str
    parse: Callable[[Any], Any]
    default: Any
    env: str | None = None

    @property
    def dotted(self) -> str:
        return f"{self.section}.{self.name}"


SCHEMA: tuple[Key, ...] = (
    Key("app", "demo", _parse_bool, False),
    Key("app", "secret_key", _parse_str, "", env="REKRUTTERING_SECRET_KEY"),
    Key("app", "database_url", _parse_database_url, "", env="REKRUTTERING_DATABASE_URL"),
    Key("app", "public_base_url", _parse_url, "", env="REKRUTTERING_PUBLIC_BASE_URL"),
    Key("app", "default_locale", _choice_parser("nb", "en"), "nb"),
    Key("app", "trusted_proxies", _int_parser(0, 5), 0),
    Key("app", "log_level", _choice_parser("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
    Key("app", "page_size", _int_parser(5, 500), 50),
    Key("app", "max_upload_mb", _int_parser(1, 200), 20),
    Key("security", "session_idle_minutes", _int_parser(5, 24 * 60), 60),
    Key("security", "session_absolute_hours", _int_parser(1, 24 * 14), 12),
    Key("security", "login_attempts", _int_parser(3, 100), 5),
    Key("security", "lockout_minutes", _int_parser(1, 24 * 60), 15),
    Key("security", "login_rate_limit", _parse_str, "20 per minute"),
    Key(
        "limits",
        "storage_uri",
        _parse_limits_uri,
        "memory://",
        env="REKRUTTERING_LIMITS_STORAGE_URI",
    ),
    Key("funnel", "regular_attendances", _int_parser(1, 100), 3),
    Key("funnel", "regular_weeks", _int_parser(1, 104), 8),
    Key("funnel", "heard_not_asked_days", _int_parser(1, 365), 14),
    Key("funnel", "sessions_ahead_weeks", _int_parser(1, 52), 8),
    Key("sms", "gateway", _choice_parser("outbox", "twilio"), "outbox"),
    Key("sms", "quiet_hours_start", _parse_time, time(21, 0)),
    Key("sms", "quiet_hours_end", _parse_time, time(8, 0)),
    Key("sms", "dispatch_interval_seconds", _int_parser(1, 3600), 5),
    Key("sms", "dispatch_batch_size", _int_parser(1, 10000), 100),
    Key("sms", "max_attempts", _int_parser(1, 20), 5),
    Key("sms", "retry_base_seconds", _int_parser(1, 3600), 60),
    Key("sms", "claim_lease_seconds", _int_parser(1, 24 * 3600), 300),
    Key("sms", "claim_timeout_minutes", _int_parser(1, 24 * 60), 10),
    Key("sms", "segment_price_ore", _int_parser(0, 10000), 80),
    Key("sms", "max_segments", _int_parser(1, 10), 3),
    Key("sms", "inbound_centres", _parse_inbound_centres, {}),
    Key("twilio", "account_sid", _parse_str, "", env="TWILIO_ACCOUNT_SID"),
    Key("twilio", "auth_token", _parse_str, "", env="TWILIO_AUTH_TOKEN"),
    Key("twilio", "from_number", _parse_str, "", env="TWILIO_FROM_NUMBER"),
    Key("twilio", "messaging_service_sid", _parse_str, "", env="TWILIO_MESSAGING_SERVICE_SID"),
    Key("imports", "max_rows", _int_parser(1, 1_000_000), 50_000),
    Key("imports", "max_unpacked_mb", _int_parser(1, 2000), 100),
    Key("imports", "max_shared_strings_mb", _int_parser(1, 500), 16),
    Key("imports", "stalled_minutes", _int_parser(1, 24 * 60), 2),
    Key("imports", "run_in", _choice_parser("thread", "worker"), "thread"),
    Key("retention", "months", _int_parser(1, 240), 24),  # a new centre's default
    Key("privacy", "opt_out_key", _parse_str, "", env="REKRUTTERING_OPTOUT_KEY"),
    Key("retention", "run_at", _parse_nightly_time, time(1, 30)),
    Key("partners", "invitation_days", _int_parser(1, 90), 7),
    Key("accounts", "invitation_days", _int_parser(1, 90), 7),
    Key("accounts", "reset_link_hours", _int_parser(1, 72), 2),
    Key("accounts", "device_link_hours", _int_parser(1, 72), 24),
    Key("accounts", "device_session_days", _int_parser(1, 365), 90),
    Key("mail", "gateway", _choice_parser("off", "outbox", "smtp"), "outbox"),
    Key("mail", "sender", _parse_str, ""),
    Key("mail", "smtp_host", _parse_str, "", env="REKRUTTERING_SMTP_HOST"),
    Key("mail", "smtp_port", _int_parser(1, 65535), 587),
    Key("mail", "smtp_user", _parse_str, "", env="REKRUTTERING_SMTP_USER"),
    Key("mail", "smtp_password", _parse_str, "", env="REKRUTTERING_SMTP_PASSWORD"),
    Key("mail", "smtp_tls", _choice_parser("starttls", "ssl", "none"), "starttls"),
    Key("mail", "smtp_timeout_seconds", _int_parser(1, 120), 10),
    Key("signup", "min_fill_seconds", _int_parser(0, 600), 3),
    Key("signup", "max_form_age_hours", _int_parser(1, 24 * 30), 24),
    Key("signup", "rate_limit", _parse_str, "5 per minute; 30 per hour"),
    Key("programme", "rate_limit", _parse_str, "60 per minute; 600 per hour"),
    Key("programme", "embed_ancestors", _parse_frame_ancestors, "*"),
    # Defaults for a new centre; each centre changes its own on its settings page.
    Key("centre_defaults", "reminder_days_before", _int_parser(0, 14), 1),
    Key("centre_defaults", "reminder_time", _parse_time, time(18, 0)),
    Key("centre_defaults", "reminder_languages", _parse_languages, ("nb", "en", "uk", "pl")),
)

KEYS: dict[str, Key] = {key.dotted: key for key in SCHEMA}


@dataclass(frozen=True)
class Settings:
    """Checked settings. Read them as ``settings["sms.gateway"]``."""

    values: Mapping[str, Any]
    source: str | None = None

    def __getitem__(self, dotted: str) -> Any:
        return self.values[dotted]

    @property
    def demo(self) -> bool:
        return bool(self.values["app.demo"])


def parse_settings(
    data: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    source: str | None = None,
) -> Settings:
    """Check a TOML document's contents (and environment overrides) against SCHEMA."""
    values: dict[str, Any] = {key.dotted: key.default for key in SCHEMA}
    where = f" in {source}" if source else ""
    for section, table in data.items():
        if not isinstance(table, Mapping):
            raise ConfigError(f"{section}: unknown setting{where} (settings live in sections)")
        for name, raw in table.items():
            dotted = f"{section}.{name}"
            key = KEYS.get(dotted)
            if key is None:
                raise ConfigError(f"{dotted}: unknown setting{where}; see config.example.toml")
            values[dotted] = _parse_value(key, raw, where)
    for key in SCHEMA:
        if key.env and environ and environ.get(key.env):
            values[key.dotted] = _parse_value(key, environ[key.env], f" (from ${key.env})")
    return Settings(values=values, source=source)


def _parse_value(key: Key, raw: Any, where: str) -> Any:
    try:
        return key.parse(raw)
    except ValueError as exc:
        raise ConfigError(f"{key.dotted}: {exc}{where}, got {raw!r}") from None


def load_settings(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Read settings from ``path``, else $REKRUTTERING_CONFIG, else ./config.toml.

    With no file at all the app runs in demo mode (SQLite in instance/, outbox SMS).
    ``overrides`` (dotted keys) are for tests and the CLI; they are checked like the file.
    """
    environ = os.environ if environ is None else environ
    chosen = path or environ.get("REKRUTTERING_CONFIG")
    data: dict[str, Any] = {}
    source: str | None = None
    if chosen:
        file = Path(chosen)
        if not file.is_file():
            raise ConfigError(f"REKRUTTERING_CONFIG: no such file {str(file)!r}")
        source = str(file)
    elif Path("config.toml").is_file():
        file = Path("config.toml")
        source = "config.toml"
    if source:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: not valid TOML ({exc})") from None
    else:
        data = {"app": {"demo": True}}
    for dotted, value in (overrides or {}).items():
        section, _, name = dotted.partition(".")
        data.setdefault(section, {})[name] = value
    return parse_settings(data, environ, source)


def current_settings() -> Settings:
    """The running app's settings (inside an app context)."""
    from flask import current_app  # imported here: the rest of this module is Flask-free

    return current_app.extensions["rekruttering.settings"]
