"""All settings in one place: environment variables (``ORCHESTRIX_`` prefix) and ``.env``.

Nothing else in Orchestrix reads ``os.environ``. The Archestra settings keep the names the
original product used (``ARCHESTRA_API_KEY``...), without the prefix.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from argon2 import DEFAULT_MEMORY_COST, DEFAULT_PARALLELISM, DEFAULT_TIME_COST
from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from orchestrix.errors import ConfigurationError


def _default_data_dir() -> Path:
    return Path.home() / ".orchestrix"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ORCHESTRIX_", env_file=".env", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the embedded SQLite database, secrets and the mail outbox live.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the database (postgresql://... in production). "
        "Unset: SQLite file `orchestrix.db` in the data directory.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL for rate limits shared between processes. Unset: in memory.",
    )
    run_timeout: float = Field(
        default=30.0, gt=0, description="Seconds one workflow run may take before it answers 504."
    )
    llm: str | None = Field(
        default=None,
        description="Model for the builder, e.g. `openai:gpt-4o-mini`. Unset: the offline rules "
        "planner.",
    )
    llm_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ORCHESTRIX_LLM_BASE_URL", "OPENAI_BASE_URL"),
        description="Base URL of an OpenAI-compatible server (vLLM, LM Studio, Ollama's /v1...).",
    )
    llm_api_key: SecretStr | None = Field(
        default=None,
        description="API key for the builder's model. Unset: the provider's own variable "
        "(OPENAI_API_KEY, ANTHROPIC_API_KEY).",
    )
    # --- llm planner (agents/llm*.py) ---
    llm_repair_rounds: int = Field(
        default=2,
        ge=0,
        le=10,
        description="How often the model may fix an answer that fails the schema, the checks, "
        "the graph's tests or its own checklist.",
    )
    llm_timeout: float | None = Field(
        default=None,
        gt=0,
        description="Seconds one request to the builder's model may take; never retried. Unset: "
        "120 for hosted models, 900 for local ones (Ollama, llama.cpp, a loopback base URL).",
    )
    llm_output_mode: Literal["auto", "native", "tool", "prompted"] = Field(
        default="auto",
        description="How the model gives its structured answer: `native` JSON-schema output, "
        "a forced `tool` call, or `prompted` JSON. `auto` picks per provider.",
    )
    llm_max_tokens: int = Field(
        default=1500, ge=64, description="Most tokens the model may answer with, per request."
    )
    llm_temperature: float = Field(
        default=0.1, ge=0, le=2, description="Sampling temperature of the builder's model."
    )

    max_body_bytes: int = Field(
        default=1024 * 1024,
        gt=0,
        description="Largest request body the API accepts, in bytes; larger bodies answer 413.",
    )
    auth: Literal["none", "tokens"] = Field(
        default="none",
        description="Owner identity for the API: `none` takes `ownerId` as given (local mode, "
        "bind to loopback); `tokens` demands `Authorization: Bearer <token>` from "
        "`orchestrix token create`.",
    )

    smtp_host: str | None = Field(
        default=None, description="SMTP server for sendEmail. Unset: mail goes to the outbox."
    )
    smtp_port: int = Field(default=587, description="SMTP port.")
    smtp_username: str | None = Field(default=None, description="SMTP user name.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_from: str = Field(
        default="orchestrix@localhost", description="Sender address when a tool names none."
    )
    smtp_tls: Literal["none", "starttls", "tls"] = Field(
        default="none", description="Transport security: none, starttls or tls (implicit)."
    )
    smtp_timeout: float = Field(default=10.0, gt=0, description="Seconds per SMTP exchange.")

    deploy_target: Literal["archestra", "local", "host", "archestra-platform"] | None = Field(
        default=None,
        description="Where `deploy` sends a workflow. Unset: `archestra` when ARCHESTRA_API_KEY "
        "is set, else `local`.",
    )
    host_api_key: SecretStr | None = Field(
        default=None, description="Bearer key that `orchestrix host` demands on POST /mcp/agents."
    )
    host_url: str | None = Field(
        default=None,
        description="Base URL of an `orchestrix host` that the `host` deploy target sends to.",
    )
    host_public_url: str | None = Field(
        default=None,
        description="Public base URL put in the endpoints a host hands out (behind a proxy). "
        "Unset: the URL the deployment request came in on.",
    )
    deploy_timeout: float = Field(
        default=30.0, gt=0, description="Seconds one request to a deploy target may take."
    )
    # The deploy reconciler (orchestrix deployments reconcile; docs/deploy.md).
    deploy_reconcile_on_start: bool = Field(
        default=False,
        description="When `orchestrix serve` starts, reconcile the deploy targets' agents with "
        "the store in the background: adopt or remove agents no deployment records.",
    )
    otlp_endpoint: str | None = Field(
        default=None,
        description="OTLP/HTTP traces endpoint; when set (and opentelemetry-sdk is installed) "
        "executions are exported as spans.",
    )
    archestra_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ARCHESTRA_API_KEY", "ORCHESTRIX_ARCHESTRA_API_KEY"),
        description="API key for the Archestra deployment API.",
    )
    archestra_deployment_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "ARCHESTRA_DEPLOYMENT_ENDPOINT", "ORCHESTRIX_ARCHESTRA_DEPLOYMENT_ENDPOINT"
        ),
        description="URL that receives deployment requests.",
    )
    archestra_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ARCHESTRA_ENDPOINT", "ORCHESTRIX_ARCHESTRA_ENDPOINT"),
        description="Archestra base URL; telemetry events are sent there when set.",
    )

    # The `archestra-platform` target: your own Archestra platform (docs/archestra-platform.md).
    archestra_platform_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ORCHESTRIX_ARCHESTRA_PLATFORM_URL", "ARCHESTRA_BASE_URL"),
        description="Base URL of your Archestra platform's API, e.g. `http://localhost:9000`.",
    )
    archestra_platform_api_key: SecretStr | None = Field(
        default=None,
        description="Archestra API key, sent as the `Authorization` header. Unset: "
        "ARCHESTRA_API_KEY.",
    )
    archestra_platform_dashboard_url: str | None = Field(
        default=None,
        description="Archestra's web UI, e.g. `http://localhost:3000`, for dashboard links. "
        "Unset: the platform URL.",
    )
    archestra_gateway_id: str | None = Field(
        default=None,
        description="Id of the Archestra profile whose MCP gateway gets the workflow's tool. "
        "Unset: the profile named by ORCHESTRIX_ARCHESTRA_GATEWAY_NAME.",
    )
    archestra_gateway_name: str = Field(
        default="Orchestrix",
        min_length=1,
        description="Name of the profile (MCP gateway) used when no id is set; created if missing.",
    )
    archestra_platform_upstream: Literal["inline", "host"] = Field(
        default="inline",
        description="`inline`: Archestra's runtime runs `orchestrix mcp` with the spec inline; "
        "`host`: the workflow goes to the `orchestrix host` at ORCHESTRIX_HOST_URL and Archestra "
        "gets a remote item pointing at that agent's MCP URL.",
    )
    archestra_platform_transport: Literal["stdio", "streamable-http"] = Field(
        default="stdio",
        description="How Archestra's MCP runtime talks to `orchestrix mcp`: `stdio` or "
        "`streamable-http` (on ORCHESTRIX_ARCHESTRA_PLATFORM_HTTP_PORT, path `/mcp`).",
    )
    archestra_platform_http_port: int = Field(
        default=8080, ge=1, le=65535, description="Port of `orchestrix mcp` over streamable HTTP."
    )
    archestra_platform_command: str = Field(
        default="orchestrix",
        min_length=1,
        description="How Archestra's runtime starts Orchestrix: `orchestrix` or `uvx orchestrix` "
        "(split like a shell would).",
    )
    archestra_platform_docker_image: str | None = Field(
        default=None,
        description="Image Archestra's runtime runs that command in. Unset: the platform's own.",
    )
    archestra_platform_install_timeout: float = Field(
        default=300.0,
        gt=0,
        description="Seconds to wait for Archestra to start the server and discover its tool.",
    )
    # The `archestra-platform` target on Archestra 1.2.x: who sees what it makes there.
    archestra_platform_scope: Literal["personal", "team", "org"] = Field(
        default="org",
        description="Scope of the gateway profile, catalog item and installation the "
        "`archestra-platform` target makes in Archestra: `org` (everyone in the organisation), "
        "`team` (ORCHESTRIX_ARCHESTRA_PLATFORM_TEAM_ID) or `personal` (the API key's user).",
    )
    archestra_platform_team_id: str | None = Field(
        default=None,
        description="The Archestra team id used with ORCHESTRIX_ARCHESTRA_PLATFORM_SCOPE=team.",
    )
    spec: str | None = Field(
        default=None,
        description="A workflow spec inline (JSON or YAML): what `orchestrix mcp` serves when "
        "given no file. The `archestra-platform` target passes the spec this way.",
    )

    # Password hashing (hashPassword, verifyPassword, test seeds): argon2id. The defaults are
    # argon2-cffi's, RFC 9106's low-memory profile; lower them only where hashes are throwaway
    # (tests, a demo), since they set what a stolen hash costs to crack.
    argon2_time_cost: int = Field(
        default=DEFAULT_TIME_COST,
        ge=1,
        description="Argon2id passes over the memory (iterations) per password hash.",
    )
    argon2_memory_cost: int = Field(
        default=DEFAULT_MEMORY_COST,
        ge=8,
        description="Argon2id memory per password hash, in KiB (65536 = 64 MiB); at least "
        "8 x ORCHESTRIX_ARGON2_PARALLELISM.",
    )
    argon2_parallelism: int = Field(
        default=DEFAULT_PARALLELISM, ge=1, description="Argon2id lanes (threads) per hash."
    )

    @model_validator(mode="after")
    def _argon2_memory_fits_its_lanes(self) -> Settings:
        if self.argon2_memory_cost < 8 * self.argon2_parallelism:
            raise ValueError(
                "ORCHESTRIX_ARGON2_MEMORY_COST must be at least 8 KiB per lane "
                f"(8 x ORCHESTRIX_ARGON2_PARALLELISM = {8 * self.argon2_parallelism})"
            )
        return self

    # The network edge (docs/security.md): egress policy, trusted proxies, hosts and origins.
    egress_allow: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Exceptions to the egress policy of httpRequest and SMTP, comma-separated: "
        "host names (`mail.internal`, `*.corp.example`) and IP networks (`10.0.0.0/8`, "
        "`127.0.0.1`). Unset: only public addresses.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or networks of reverse proxies whose `X-Forwarded-For` is "
        "believed, comma-separated. Unset: the client address is the TCP peer's.",
    )
    trusted_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names the API and the host answer to, besides loopback names and "
        "the host of ORCHESTRIX_PUBLIC_URL; `*` allows any. Other Host headers answer 400.",
    )
    trusted_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Browser origins (`https://app.example`) allowed to send requests that "
        "change state, besides loopback origins and ORCHESTRIX_PUBLIC_URL's.",
    )
    public_url: str | None = Field(
        default=None,
        description="The public base URL of `orchestrix serve` (e.g. `https://orx.example`): "
        "endpoints are built from it, never from a request's Host header.",
    )

    @field_validator(
        "egress_allow",
        "trusted_proxies",
        "trusted_hosts",
        "trusted_origins",
        "mcp_allowed_hosts",
        "mcp_allowed_origins",
        mode="before",
    )
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    # Data, secrets and budgets (docs/security.md): encryption at rest, retention.
    encryption_key: SecretStr | None = Field(
        default=None,
        description="Key that encrypts server secrets and JWT signing keys at rest (any text; "
        "keep it safe and the same on every process over one database). Unset: a random key "
        "is generated once into `encryption.key` in the data directory; required when "
        "ORCHESTRIX_REQUIRE_ENCRYPTION_KEY is set.",
    )
    require_encryption_key: bool = Field(
        default=False,
        description="Production: refuse to start without ORCHESTRIX_ENCRYPTION_KEY instead of "
        "generating one into the data directory.",
    )
    execution_retention: Literal["all", "errors", "none"] = Field(
        default="all",
        description="Which runs are stored as executions: `all`, `errors` (status 400 or more) "
        "or `none`.",
    )
    execution_retention_days: int | None = Field(
        default=None,
        ge=1,
        description="Executions older than this many days are pruned. Unset: kept.",
    )

    # --- MCP endpoints (area: mcp): DNS-rebinding protection and OAuth 2.1 resource server ---
    mcp_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Extra `Host` values MCP endpoints accept, comma-separated (`api.example.com`, "
        "`api.example.com:*` for any port). Loopback names and the host of "
        "ORCHESTRIX_HOST_PUBLIC_URL are always accepted; `*` turns the check off.",
    )
    mcp_allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Extra browser `Origin` values MCP endpoints accept, comma-separated "
        "(`https://app.example.com`). Loopback origins are always accepted; a request without "
        "an Origin is not a browser's and passes.",
    )
    mcp_oauth_issuer: str | None = Field(
        default=None,
        description="OAuth 2.1 authorization server whose access tokens MCP endpoints accept "
        "(its `iss`). Unset: MCP endpoints take only API keys.",
    )
    mcp_oauth_jwks_url: str | None = Field(
        default=None,
        description="The issuer's JWKS URL. Unset: read from the issuer's "
        "/.well-known/oauth-authorization-server (or openid-configuration) metadata.",
    )
    mcp_oauth_audience: str | None = Field(
        default=None,
        description="The `aud` an access token must carry. Unset: the MCP endpoint's own URL "
        "(RFC 8707 resource indicator).",
    )

    # --- database pool and agent cache (the host runtime's performance) ---
    db_pool_size: int = Field(
        default=10,
        ge=1,
        description="PostgreSQL connections each worker keeps open. `orchestrix host --workers "
        "N` lowers it so that N workers stay under the server's max_connections.",
    )
    db_max_overflow: int = Field(
        default=10,
        ge=0,
        description="Extra PostgreSQL connections a worker may open above the pool under load.",
    )
    host_revision_ttl: float = Field(
        default=1.0,
        ge=0,
        description="Seconds between checks that a host worker's cached agents are still the "
        "deployed revision (a background check; on PostgreSQL, deploys and deletes are also "
        "announced at once with LISTEN/NOTIFY).",
    )

    @property
    def resolved_database_url(self) -> str:
        """The async SQLAlchemy URL actually used (driver filled in)."""
        return async_database_url(self.database_url, self.data_dir)

    @property
    def resolved_deploy_target(self) -> str:
        if self.deploy_target:
            return self.deploy_target
        return "archestra" if self.archestra_api_key else "local"


def async_database_url(url: str | None, data_dir: Path) -> str:
    """Turn a user-facing database URL into one with an async driver."""
    if not url:
        return f"sqlite+aiosqlite:///{data_dir / 'orchestrix.db'}"
    for prefix, replacement in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgresql+psycopg://", "postgresql+asyncpg://"),
        ("postgresql+psycopg2://", "postgresql+asyncpg://"),
        ("sqlite:///", "sqlite+aiosqlite:///"),
    ):
        if url.startswith(prefix):
            return replacement + url[len(prefix) :]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        return url
    raise ConfigurationError(
        "ORCHESTRIX_DATABASE_URL must be a postgresql:// or sqlite:/// URL", {"url": url}
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
