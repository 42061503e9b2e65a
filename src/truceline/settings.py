"""One registry of settings, read from ``TRUCELINE_*`` environment variables.

Like datasette's ``Setting(name, default, help)``: the CLI (`truceline settings`), the API
and a docs test all read this one list, so documentation cannot fall behind the code.
Nothing reads the environment at import time; ``Settings.from_env`` is called by the edges.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from truceline.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: str
    help: str

    @property
    def env(self) -> str:
        return f"TRUCELINE_{self.name.upper()}"


SETTINGS: tuple[Setting, ...] = (
    Setting("home", "./.truceline", "Data directory: the SQLite database, evidence, keys."),
    Setting(
        "database_url",
        "",
        "SQLAlchemy URL of the store; empty means sqlite:///<home>/truceline.db. "
        "For PostgreSQL use postgresql+psycopg://user@host:5432/db.",
    ),
    Setting("host", "127.0.0.1", "Address the HTTP server binds to."),
    Setting("port", "8000", "Port the HTTP server listens on."),
    Setting("page_limit", "1000", "Largest page a list endpoint returns."),
    Setting("max_body_mb", "64", "Largest accepted request body for batch ingest, MiB."),
    Setting("log_level", "info", "Log level of the server: debug, info, warning, error."),
    Setting("oidc_issuer", "", "OIDC issuer whose bearer JWTs are accepted; empty disables OIDC."),
    Setting("oidc_audience", "truceline", "Audience ('aud') that OIDC tokens must carry."),
    Setting("oidc_jwks", "", "The issuer's JWKS: a file path or an https URL."),
    Setting(
        "workers",
        "1",
        "1: `truceline serve` runs the background workers (live fusion, "
        "rules, checkpoints, alerts) in its process; 0: it only serves requests "
        "(run `truceline worker` for them).",
    ),
    Setting(
        "fusion_lateness_s",
        "60",
        "How late (s, in detection time) a detection may arrive and still be fused with its blast.",
    ),
    Setting(
        "auth_max_failures",
        "10",
        "Failed authentications per client or principal per minute "
        "before further attempts are refused (429).",
    ),
    Setting(
        "log_origin",
        "truceline.local/ledger",
        "Origin (first line) of the ledger's "
        "checkpoints and name of its signing key: a schema-less URL, no spaces or '+'.",
    ),
    Setting(
        "checkpoint_seconds",
        "60",
        "The checkpoints worker signs a ledger checkpoint this "
        "often when the log has grown; 0 turns that worker off.",
    ),
    Setting(
        "evidence_max_mb",
        "512",
        "Largest evidence file accepted by an upload, MiB; "
        "enforced while the file streams in (413, nothing kept).",
    ),
    Setting(
        "basemap_url",
        "",
        "Raster tile URL template of a basemap for the web workspace, "
        "e.g. https://tiles.example.org/{z}/{x}/{y}.png; empty: a plain background.",
    ),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved settings: every value typed and checked once, at start-up."""

    home: Path
    database_url: str
    host: str
    port: int
    page_limit: int
    max_body_mb: int
    log_level: str
    oidc_issuer: str
    oidc_audience: str
    oidc_jwks: str
    auth_max_failures: int
    workers: int
    fusion_lateness_s: int
    log_origin: str
    checkpoint_seconds: int
    evidence_max_mb: int
    basemap_url: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: str) -> Settings:
        env = os.environ if environ is None else environ
        raw = {s.name: overrides.get(s.name, env.get(s.env, s.default)) for s in SETTINGS}
        home = Path(raw["home"]).expanduser()
        url = raw["database_url"] or f"sqlite:///{home / 'truceline.db'}"
        return cls(
            home=home,
            database_url=url,
            host=raw["host"],
            port=_int(raw, "port", 1, 65535),
            page_limit=_int(raw, "page_limit", 1, 100_000),
            max_body_mb=_int(raw, "max_body_mb", 1, 4096),
            log_level=_choice(raw, "log_level", ("debug", "info", "warning", "error")),
            oidc_issuer=raw["oidc_issuer"],
            oidc_audience=raw["oidc_audience"],
            oidc_jwks=raw["oidc_jwks"],
            auth_max_failures=_int(raw, "auth_max_failures", 1, 1_000_000),
            workers=_int(raw, "workers", 0, 1),
            fusion_lateness_s=_int(raw, "fusion_lateness_s", 0, 86_400),
            log_origin=_origin(raw["log_origin"]),
            checkpoint_seconds=_int(raw, "checkpoint_seconds", 0, 86_400),
            evidence_max_mb=_int(raw, "evidence_max_mb", 1, 1_048_576),
            basemap_url=_basemap(raw["basemap_url"]),
        )

    def value_of(self, name: str) -> str:
        return str(getattr(self, name))


def _int(raw: Mapping[str, str], name: str, low: int, high: int) -> int:
    try:
        value = int(raw[name])
    except ValueError:
        raise ConfigError(f"TRUCELINE_{name.upper()}={raw[name]!r} is not an integer") from None
    if not low <= value <= high:
        raise ConfigError(f"TRUCELINE_{name.upper()}={value} is outside {low}..{high}")
    return value


def _origin(value: str) -> str:
    """A checkpoint origin doubles as its key name (C2SP signed-note): no spaces, no '+'."""
    if not value or "+" in value or any(c.isspace() or c < " " for c in value):
        raise ConfigError(
            f"TRUCELINE_LOG_ORIGIN={value!r}: give a non-empty name without "
            "spaces or '+', e.g. truceline.example.org/ledger"
        )
    return value


def _basemap(value: str) -> str:
    """A tile template the browser fetches: http(s) with {z}, {x} and {y}, or empty."""
    value = value.strip()
    if value and not (
        value.startswith(("https://", "http://")) and all(k in value for k in ("{z}", "{x}", "{y}"))
    ):
        raise ConfigError(
            f"TRUCELINE_BASEMAP_URL={value!r}: give an http(s) tile template "
            "with {z}, {x} and {y}, or leave it empty"
        )
    return value


def _choice(raw: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = raw[name].lower()
    if value not in choices:
        raise ConfigError(f"TRUCELINE_{name.upper()}={raw[name]!r}: choose one of {choices}")
    return value
