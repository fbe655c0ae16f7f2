"""Deployment settings: one object, read once at start-up and passed down.

Nothing in Orion reads the environment at import time; `load_settings()` is called by the
CLI (or a test) and its result handed to `create_app`, `create_celery` and friends.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as PydanticSettingsError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEV_SECRET_KEY = "orion-development-secret-key-change-me"  # noqa: S105 - rejected in production


class SettingsError(Exception):
    """Settings that Orion cannot start with; the message names each bad setting."""


class OrionSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ORION_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="__",
        extra="ignore",
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./orion.db"
    database_echo: bool = False
    database_pool_size: int = Field(default=10, ge=1, le=500)
    # None means "embedded": an in-process Celery worker and scheduler on an in-memory broker.
    broker_url: str | None = None
    result_backend_url: str | None = None
    # Prefix of every key Orion writes to a Redis broker, so deployments can share a server.
    broker_key_prefix: str = ""
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    # Where the console's front-end libraries (htmx, Pico CSS, Chart.js) were installed by
    # npm; the repository's node_modules when empty.
    console_assets_dir: str | None = None
    # Fernet keys for secrets stored in the database (SMTP passwords, provider keys), newest
    # first; older keys still decrypt until `orion keys rotate` re-encrypts. Derived from
    # the secret key when empty.
    encryption_keys: list[SecretStr] = Field(default_factory=list)
    access_token_minutes: int = Field(default=15, ge=1, le=1440)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    # Who a verified credential is, remembered per process (entries; 0: off) for at most so
    # many seconds; revocation drops entries at once (docs/architecture.md, the request path).
    principal_cache_size: int = Field(default=4096, ge=0, le=1_000_000)
    principal_cache_seconds: int = Field(default=60, ge=0, le=3600)
    # Requests per minute one client address may make to one store's public storefront
    # routes (0: no limit); counted in Redis when the broker is Redis, else per process.
    storefront_requests_per_minute: int = Field(default=600, ge=0, le=1_000_000)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # JSON lines; None (the default): JSON unless the logs go to a terminal, where people
    # read them (structlog's console renderer).
    log_json: bool | None = None
    # Extra module packages to load besides the built-in ones and the `orion.modules`
    # entry points, e.g. ["acme_orion.loyalty"]. Each must expose `definition`.
    extra_modules: list[str] = Field(default_factory=list)
    # Which module serves a kernel extension point when several provide it:
    # ORION_PROVIDERS='{"authenticator": "auth"}'
    providers: dict[str, str] = Field(default_factory=dict)
    # Deployment-wide module settings, validated against each module's settings schema:
    # ORION_MODULES__BILLING__TRIAL_DAYS=14
    modules: dict[str, dict[str, Any]] = Field(default_factory=dict)
    task_run_retention_days: int = Field(default=30, ge=1)
    # A task run still going after this long gets its `started` row, written off the task's
    # path; a run that ends sooner is recorded once, in its own transaction.
    task_run_started_after_seconds: float = Field(default=0.5, ge=0, le=60)
    outbox_redelivery_seconds: int = Field(default=60, ge=5)
    # The largest request body a route reads (JSON, forms); a larger one is answered 413
    # before it is read. Routes that take uploads declare more (`kernel.web.limits`).
    request_body_limit_bytes: int = Field(default=1024 * 1024, ge=1024, le=1024**3)
    # What a route declared with `accepts_upload()` takes unless it names its own limit.
    upload_body_limit_bytes: int = Field(default=64 * 1024 * 1024, ge=1024, le=16 * 1024**3)
    # Client networks that may read /metrics and /ready's details without an operator's
    # token (a Prometheus scraper, the load balancer): ORION_OPERATIONS_NETWORKS='["10.0.0.0/8"]'
    operations_networks: list[str] = Field(default_factory=list)
    # Origins whose browser scripts may call the API (CORS); none by default.
    cors_allowed_origins: list[str] = Field(default_factory=list)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("only sqlite:// and postgresql:// databases are supported")
        if url.get_backend_name() == "postgresql" and url.drivername in (
            "postgresql",
            "postgres",
        ):
            # psycopg 3 is the one PostgreSQL driver Orion ships with.
            return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        return value

    @field_validator("broker_url")
    @classmethod
    def _known_broker(cls, value: str | None) -> str | None:
        if value in (None, "", "embedded"):
            return None
        scheme = value.split("://", 1)[0]
        if scheme not in ("redis", "rediss", "amqp", "amqps", "memory"):
            raise ValueError("use redis://, amqp:// or leave unset for the embedded worker")
        return value

    @field_validator("operations_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network!r} is not a network such as 10.0.0.0/8") from None
        return value

    @field_validator("cors_allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        origins = [origin.rstrip("/") for origin in value]
        for origin in origins:
            scheme, _, rest = origin.partition("://")
            if scheme not in ("http", "https") or not rest or "/" in rest:
                raise ValueError(f"{origin!r} is not an origin such as https://shop.example.com")
        return origins

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> OrionSettings:
        if self.environment == "production":
            if self.secret_key.get_secret_value() == DEV_SECRET_KEY:
                raise ValueError("secret_key: set ORION_SECRET_KEY to a private random value")
            if len(self.secret_key.get_secret_value()) < 32:
                raise ValueError("secret_key: ORION_SECRET_KEY must be at least 32 characters")
        return self

    @property
    def embedded_broker(self) -> bool:
        return self.broker_url is None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    def sqlite_path(self) -> Path | None:
        url = make_url(self.database_url)
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            return None
        return Path(url.database)


def load_settings(**overrides: Any) -> OrionSettings:
    """Read settings from the environment and `.env`; raise SettingsError naming each bad one."""
    try:
        return OrionSettings(**overrides)
    except PydanticSettingsError as exc:  # a value the environment source cannot parse
        raise SettingsError(f"invalid settings: {exc}") from None
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or _field_from_message(error)
            env = "ORION_" + field.split(".")[0].upper()
            lines.append(f"{env} ({field}): {error['msg']}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None


def _field_from_message(error: Any) -> str:
    # Model-level validators prefix their message with the field they are about.
    message = str(error.get("msg", ""))
    head = message.removeprefix("Value error, ").split(":", 1)[0]
    return head if head.isidentifier() else "settings"
