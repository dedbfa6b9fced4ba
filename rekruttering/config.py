"""Settings: a TOML file, checked key by key, with environment overrides for secrets.

Every key is declared once, as a field of its section's frozen dataclass (type, default,
parser, environment variable), and documented in ``config.example.toml``; a test keeps
the two in step. The app reads ``current_settings().sms.gateway``. An unknown key or a
bad value stops start-up with one line that names the key and what was expected.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from flask import Flask


#: Where ``create_app`` keeps the settings (read them with ``current_settings()``).
SETTINGS_EXTENSION = "rekruttering.settings"


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
    if not text or any(c in text for c in ';,"\\'):
        raise ValueError('expected CSP sources separated by spaces, like "https://example.no"')
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


def setting(default: Any, parse: Callable[[Any], Any], env: str | None = None) -> Any:
    """One key of a section: its default, its parser and the environment variable (if
    any) that overrides the file. The field's annotation is the parsed value's type."""
    metadata = {"parse": parse, "env": env}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class AppSettings:
    demo: bool = setting(False, _parse_bool)
    secret_key: str = setting("", _parse_str, env="REKRUTTERING_SECRET_KEY")
    database_url: str = setting("", _parse_database_url, env="REKRUTTERING_DATABASE_URL")
    public_base_url: str = setting("", _parse_url, env="REKRUTTERING_PUBLIC_BASE_URL")
    default_locale: Literal["nb", "en"] = setting("nb", _choice_parser("nb", "en"))
    trusted_proxies: int = setting(0, _int_parser(0, 5))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = setting(
        "INFO", _choice_parser("DEBUG", "INFO", "WARNING", "ERROR")
    )
    page_size: int = setting(50, _int_parser(5, 500))
    max_upload_mb: int = setting(20, _int_parser(1, 200))


@dataclass(frozen=True)
class SecuritySettings:
    session_idle_minutes: int = setting(60, _int_parser(5, 24 * 60))
    session_absolute_hours: int = setting(12, _int_parser(1, 24 * 14))
    login_attempts: int = setting(5, _int_parser(3, 100))
    lockout_minutes: int = setting(15, _int_parser(1, 24 * 60))
    login_rate_limit: str = setting("20 per minute", _parse_str)


@dataclass(frozen=True)
class LimitsSettings:
    storage_uri: str = setting(
        "memory://", _parse_limits_uri, env="REKRUTTERING_LIMITS_STORAGE_URI"
    )


@dataclass(frozen=True)
class FunnelSettings:
    regular_attendances: int = setting(3, _int_parser(1, 100))
    regular_weeks: int = setting(8, _int_parser(1, 104))
    heard_not_asked_days: int = setting(14, _int_parser(1, 365))
    sessions_ahead_weeks: int = setting(8, _int_parser(1, 52))


@dataclass(frozen=True)
class SmsSettings:
    gateway: Literal["outbox", "twilio"] = setting("outbox", _choice_parser("outbox", "twilio"))
    quiet_hours_start: time = setting(time(21, 0), _parse_time)
    quiet_hours_end: time = setting(time(8, 0), _parse_time)
    dispatch_interval_seconds: int = setting(5, _int_parser(1, 3600))
    dispatch_batch_size: int = setting(100, _int_parser(1, 10000))
    #: Reminders handed over (and their answers recorded) in one transaction: one
    #: commit per this many instead of one per reminder; at a crash up to this many
    #: per worker are left uncertain instead of one.
    hand_over_batch_size: int = setting(10, _int_parser(1, 1000))
    max_attempts: int = setting(5, _int_parser(1, 20))
    retry_base_seconds: int = setting(60, _int_parser(1, 3600))
    claim_lease_seconds: int = setting(300, _int_parser(1, 24 * 3600))
    claim_timeout_minutes: int = setting(10, _int_parser(1, 24 * 60))
    segment_price_ore: int = setting(80, _int_parser(0, 10000))
    max_segments: int = setting(3, _int_parser(1, 10))
    #: Receiving number (E.164) or Messaging Service SID -> centre slug.
    inbound_centres: Mapping[str, str] = setting({}, _parse_inbound_centres)


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str = setting("", _parse_str, env="TWILIO_ACCOUNT_SID")
    auth_token: str = setting("", _parse_str, env="TWILIO_AUTH_TOKEN")
    from_number: str = setting("", _parse_str, env="TWILIO_FROM_NUMBER")
    messaging_service_sid: str = setting("", _parse_str, env="TWILIO_MESSAGING_SERVICE_SID")


@dataclass(frozen=True)
class ImportsSettings:
    max_rows: int = setting(50_000, _int_parser(1, 1_000_000))
    max_unpacked_mb: int = setting(100, _int_parser(1, 2000))
    max_shared_strings_mb: int = setting(16, _int_parser(1, 500))
    stalled_minutes: int = setting(2, _int_parser(1, 24 * 60))
    run_in: Literal["thread", "worker"] = setting("thread", _choice_parser("thread", "worker"))


@dataclass(frozen=True)
class RetentionSettings:
    months: int = setting(24, _int_parser(1, 240))  # a new centre's default
    run_at: time = setting(time(1, 30), _parse_nightly_time)


@dataclass(frozen=True)
class PrivacySettings:
    opt_out_key: str = setting("", _parse_str, env="REKRUTTERING_OPTOUT_KEY")


@dataclass(frozen=True)
class PartnersSettings:
    invitation_days: int = setting(7, _int_parser(1, 90))


@dataclass(frozen=True)
class AccountsSettings:
    invitation_days: int = setting(7, _int_parser(1, 90))
    reset_link_hours: int = setting(2, _int_parser(1, 72))
    device_link_hours: int = setting(24, _int_parser(1, 72))
    device_session_days: int = setting(90, _int_parser(1, 365))


@dataclass(frozen=True)
class MailSettings:
    gateway: Literal["off", "outbox", "smtp"] = setting(
        "outbox", _choice_parser("off", "outbox", "smtp")
    )
    sender: str = setting("", _parse_str)
    smtp_host: str = setting("", _parse_str, env="REKRUTTERING_SMTP_HOST")
    smtp_port: int = setting(587, _int_parser(1, 65535))
    smtp_user: str = setting("", _parse_str, env="REKRUTTERING_SMTP_USER")
    smtp_password: str = setting("", _parse_str, env="REKRUTTERING_SMTP_PASSWORD")
    smtp_tls: Literal["starttls", "ssl", "none"] = setting(
        "starttls", _choice_parser("starttls", "ssl", "none")
    )
    smtp_timeout_seconds: int = setting(10, _int_parser(1, 120))


@dataclass(frozen=True)
class SignupSettings:
    min_fill_seconds: int = setting(3, _int_parser(0, 600))
    max_form_age_hours: int = setting(24, _int_parser(1, 24 * 30))
    rate_limit: str = setting("5 per minute; 30 per hour", _parse_str)


@dataclass(frozen=True)
class ProgrammeSettings:
    """The public programme (page, embed, calendar feeds)."""

    rate_limit: str = setting("60 per minute; 600 per hour", _parse_str)
    #: frame-ancestors of the embeddable page's Content-Security-Policy.
    embed_ancestors: str = setting("*", _parse_frame_ancestors)


@dataclass(frozen=True)
class CentreDefaultsSettings:
    """Defaults for a new centre; each centre changes its own on its settings page."""

    reminder_days_before: int = setting(1, _int_parser(0, 14))
    reminder_time: time = setting(time(18, 0), _parse_time)
    reminder_languages: tuple[str, ...] = setting(("nb", "en", "uk", "pl"), _parse_languages)


@dataclass(frozen=True)
class Settings:
    """Checked settings, one frozen dataclass per TOML section: ``settings.sms.gateway``.

    Built once by ``load_settings`` (file + environment) or ``parse_settings``; read in
    the app through ``current_settings()``.
    """

    app: AppSettings = field(default_factory=AppSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    limits: LimitsSettings = field(default_factory=LimitsSettings)
    funnel: FunnelSettings = field(default_factory=FunnelSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)
    twilio: TwilioSettings = field(default_factory=TwilioSettings)
    imports: ImportsSettings = field(default_factory=ImportsSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    partners: PartnersSettings = field(default_factory=PartnersSettings)
    accounts: AccountsSettings = field(default_factory=AccountsSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    signup: SignupSettings = field(default_factory=SignupSettings)
    programme: ProgrammeSettings = field(default_factory=ProgrammeSettings)
    centre_defaults: CentreDefaultsSettings = field(default_factory=CentreDefaultsSettings)
    #: The file the settings came from (None: defaults, or demo mode without a file).
    source: str | None = field(default=None, compare=False)

    @property
    def demo(self) -> bool:
        return self.app.demo

    def value(self, dotted: str) -> object:
        """One value by its dotted name, for code that walks ``SCHEMA`` (tests, the
        released migrations); everything else reads attributes."""
        key = KEYS.get(dotted)
        if key is None:
            raise KeyError(dotted)
        return getattr(getattr(self, key.section), key.name)

    # Released migrations (which never change) look keys up by their dotted name.
    __getitem__ = value

    def replace(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with some dotted keys changed, each checked like the file
        (``dataclasses.replace`` per section)."""
        changes: dict[str, dict[str, Any]] = {}
        for dotted, raw in overrides.items():
            key = KEYS.get(dotted)
            if key is None:
                raise ConfigError(f"{dotted}: unknown setting; see config.example.toml")
            changes.setdefault(key.section, {})[key.name] = _parse_value(key, raw, "")
        sections = {
            name: dataclasses.replace(getattr(self, name), **values)
            for name, values in changes.items()
        }
        return dataclasses.replace(self, **sections)


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


def _schema() -> tuple[Key, ...]:
    defaults = Settings()
    keys = []
    for section in fields(Settings):
        if section.name == "source":
            continue
        for item in fields(getattr(defaults, section.name)):
            keys.append(
                Key(
                    section.name,
                    item.name,
                    item.metadata["parse"],
                    getattr(getattr(defaults, section.name), item.name),
                    item.metadata["env"],
                )
            )
    return tuple(keys)


#: Every key, derived from the section dataclasses above.
SCHEMA: tuple[Key, ...] = _schema()

KEYS: dict[str, Key] = {key.dotted: key for key in SCHEMA}


def parse_settings(
    data: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    source: str | None = None,
) -> Settings:
    """Check a TOML document's contents (and environment overrides) against SCHEMA."""
    values: dict[str, dict[str, Any]] = {}
    where = f" in {source}" if source else ""
    for section, table in data.items():
        if not isinstance(table, Mapping):
            raise ConfigError(f"{section}: unknown setting{where} (settings live in sections)")
        for name, raw in table.items():
            dotted = f"{section}.{name}"
            key = KEYS.get(dotted)
            if key is None:
                raise ConfigError(f"{dotted}: unknown setting{where}; see config.example.toml")
            values.setdefault(section, {})[name] = _parse_value(key, raw, where)
    for key in SCHEMA:
        if key.env and environ and environ.get(key.env):
            parsed = _parse_value(key, environ[key.env], f" (from ${key.env})")
            values.setdefault(key.section, {})[key.name] = parsed
    defaults = Settings()
    built = {
        name: dataclasses.replace(getattr(defaults, name), **changes)
        for name, changes in values.items()
    }
    return dataclasses.replace(defaults, source=source, **built)


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


def current_settings(app: Flask | None = None) -> Settings:
    """The settings of ``app``, else of the running app (inside an app context).

    The one way the app reads its settings; ``create_app`` stores them.
    """
    if app is None:
        from flask import current_app  # imported here: the rest of this module is Flask-free

        app = current_app
    settings = app.extensions[SETTINGS_EXTENSION]
    assert isinstance(settings, Settings)
    return settings
