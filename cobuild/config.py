"""Configuration from the environment (``COBUILD_*``), validated once at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

NEO4J_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


class Settings(BaseSettings):
    """Every setting has a default that runs on a fresh machine with the embedded store."""

    model_config = SettingsConfigDict(env_prefix="COBUILD_", env_file=".env", extra="ignore")

    neo4j_uri: str | None = Field(None, description="neo4j:// (routing, clusters, Aura) or bolt:// URI; unset = embedded LadybugDB")
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    neo4j_max_retry_s: float = Field(15.0, ge=0, description="How long the Neo4j driver retries a unit of work after a transient failure (server unreachable, leader switch) before answering DB_UNAVAILABLE")
    neo4j_load_batch: int = Field(10_000, ge=1, description="Rows per UNWIND batch when `cobuild generate` loads into Neo4j")
    neo4j_load_parallel: int = Field(4, ge=1, le=64, description="Neo4j load batches in flight at once (relationship batches only when they share no node)")
    db_path: Path = Field(Path("data/cobuild.lbdb"), description="LadybugDB database directory")
    ladybug_readers: int = Field(2, ge=1, le=64, description="LadybugDB read connections (parallel reads); one per core is enough")
    ladybug_buffer_pool_mb: int = Field(0, ge=0, description="LadybugDB buffer pool in MiB (0 = LadybugDB's default, a share of the machine's memory). A cap bounds RSS, but LadybugDB 0.22 may keep a capped pool full after heavy statements (every later statement, writes too, answers DB_BUSY): leave 0 unless measured")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # --- trust (issue #4): authentication, limits, logs -----------------------------------------
    keys_path: Path = Field(Path("data/keys.json"), description="API key file (hashed secrets; never exposed via GraphQL); `cobuild keys …` manages it")
    jwt_secret: str | None = Field(None, description="HS256 secret for bearer JWTs; unset = HS256 tokens refused")
    jwks_path: Path | None = Field(None, description="JWKS file with RS256 public keys for bearer JWTs; unset = RS256 tokens refused")
    jwt_audience: str | None = Field(None, description="Required `aud` claim of bearer JWTs, if set")
    jwt_issuer: str | None = Field(None, description="Required `iss` claim of bearer JWTs, if set")
    anonymous: Literal["read", "off"] = Field("read", description="Requests without credentials: `read` = read-only anonymous principal, `off` = 401 UNAUTHENTICATED")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Largest request body accepted; larger → HTTP 413 REQUEST_TOO_LARGE")
    max_depth: int = Field(10, ge=1, description="Deepest field nesting of an operation (introspection excepted) → QUERY_TOO_DEEP")
    max_aliases: int = Field(30, ge=0, description="Most aliases in one document → TOO_MANY_ALIASES")
    max_tokens: int = Field(2000, ge=10, description="Most lexical tokens in one document → QUERY_TOO_LARGE")
    max_cost: int = Field(10_000, ge=1, description="Highest estimated cost (page sizes multiply down nested connections) → QUERY_TOO_COSTLY")
    default_page_size: int = Field(20, ge=1, description="Page size assumed for a connection or list without `first`")
    max_page_size: int = Field(100, ge=1, description="Largest `first` a connection accepts")
    persisted_only: bool = Field(False, description="Run only operations whose sha256 is in the persisted-query file → PERSISTED_QUERY_REQUIRED")
    persisted_queries_path: Path = Field(Path("data/persisted-queries.json"), description="Allowed operation hashes: a JSON list of sha256 hex strings or an object keyed by them")
    rate_limit_per_s: float = Field(20.0, ge=0, description="Token-bucket refill per credential (per client IP when anonymous), requests per second; 0 = no rate limit")
    rate_limit_burst: int = Field(60, ge=1, description="Token-bucket size: requests allowed in a burst → HTTP 429 RATE_LIMITED beyond it")
    query_timeout_s: float = Field(10.0, gt=0, description="Per-request graph timeout in seconds, for reads and for every mutation's unit of work (past it the mutation rolls back whole) → TIMEOUT")
    heavy_slots: int | None = Field(None, ge=1, le=64, description="Heavy questions (roll-ups, matching, coverage, claim rates, clusters, hubs, similar communities) running at once per process; the rest wait in a queue. Unset: embedded store COBUILD_LADYBUG_READERS − 1 (at least 1; page questions keep a reader), Neo4j the cores ÷ COBUILD_WORKERS")
    heavy_wait_s: float = Field(10.0, ge=0, description="How long a heavy question waits for a slot before it answers DB_BUSY with `retryAfter` (seconds)")
    gc_freeze: bool = Field(True, description="Once the service is ready, move its start-up objects (schema, model, modules) into Python's permanent GC generation, so a full garbage collection no longer walks them (110–130 ms measured, every request in flight waiting; cobuild.observe.gcpause)")
    compiled_execution: bool = Field(True, description="Run repeated read-only queries on a cached plan (root resolvers, then precompiled projectors and orjson) instead of graphql-core field resolution; whatever a plan cannot express falls back to Strawberry per operation (docs/execution.md)")

    # --- operations (issue 13): workers, metrics, the Cypher console -------------------------------
    workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes of `cobuild serve` (Neo4j only: one process owns the embedded store); rate limits are per process")
    metrics: Literal["admin", "analyst", "off"] = Field("admin", description="/metrics on the API port: `admin` = admin credentials, `analyst` = admin or analyst, `off` = not served there")
    metrics_port: int | None = Field(None, ge=1, le=65535, description="Also serve /metrics without credentials on this port (bind it to a private network: COBUILD_METRICS_HOST)")
    metrics_host: str | None = Field(None, description="Interface of the metrics port; unset = COBUILD_HOST")
    metrics_max_operations: int = Field(100, ge=0, description="Distinct GraphQL operation names kept as metric labels per process; later ones count as `(other)`")
    cypher_timeout_s: float = Field(30.0, gt=0, description="Timeout of a Cypher console statement (`cobuild cypher`, /admin/cypher) → TIMEOUT")
    cypher_max_rows: int = Field(1000, ge=1, description="Most rows a Cypher console statement returns (the answer says `truncated`)")
    cypher_history_path: Path = Field(Path("data/cypher_history"), description="History file of the interactive `cobuild cypher` prompt")
    # --- browsers and GraphQL clients (issue #10): CORS, persisted queries, offline pages ----------
    cors_origins: str = Field("", description="Origins (scheme://host[:port], comma-separated) whose browser apps may call the API, with credentials; empty = none")
    cors_max_age: int = Field(600, ge=0, le=86_400, description="Seconds a browser may cache a CORS preflight answer (Access-Control-Max-Age)")
    apq_cache_entries: int = Field(1000, ge=0, description="Automatic persisted queries remembered per process (LRU); 0 = APQ off → PERSISTED_QUERY_NOT_SUPPORTED")
    web_dir: Path | None = Field(None, description="Folder whose node_modules holds the browser assets (GraphiQL); unset = the checkout's web/ (`make web` installs them)")
    # --- integration partners (issue #12): change feed, idempotency, batch upserts ----------------
    change_retention_days: float = Field(30.0, gt=0, description="How long the change feed keeps events; a cursor older than that answers CURSOR_EXPIRED")
    change_prune_interval_s: float = Field(3600.0, ge=0, description="Prune-on-write: at most once per this many seconds per process, after a committed mutation (0 = after every one); `cobuild changes prune` prunes on demand")
    idempotency_ttl_s: float = Field(86_400.0, gt=0, description="How long an idempotency key (Idempotency-Key header or clientMutationId) keeps its first answer for retries")
    max_upsert_items: int = Field(500, ge=1, le=10_000, description="Most items one batch upsert accepts → VALIDATION naming the limit")
    # --- live subscriptions (issue #12 part 1): WebSocket graphql-transport-ws on /graphql -----------
    live_poll_interval_s: float = Field(1.0, gt=0, le=60, description="How often each service process reads the change feed for its subscribers (one statement per interval, shared by all of them); a commit in the same process wakes the reader at once")
    live_max_connections: int = Field(1000, ge=0, description="Open WebSocket connections per process; one more is closed with 1013 (try again later); 0 = subscriptions off")
    live_max_subscriptions: int = Field(20, ge=1, le=1000, description="Active subscriptions per WebSocket connection → error TOO_MANY_SUBSCRIPTIONS for the next one")
    live_keepalive_s: float = Field(15.0, ge=0, description="Seconds between the server's protocol `ping` messages on an idle WebSocket (0 = none); credentials are re-checked then")
    live_init_timeout_s: float = Field(10.0, gt=0, description="Seconds a new WebSocket has to send `connection_init` → close 4408")
    live_queue_events: int = Field(5000, ge=10, description="Events buffered per subscription for a slow client; beyond it the subscription ends with SUBSCRIBER_TOO_SLOW (resume with changesSince)")

    @field_validator("neo4j_uri")
    @classmethod
    def _scheme(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        scheme = v.split("://", 1)[0]
        if "://" not in v or scheme not in NEO4J_SCHEMES:
            raise ValueError(f"COBUILD_NEO4J_URI must start with one of {', '.join(s + '://' for s in NEO4J_SCHEMES)}; got {v!r}")
        return v

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, v: str) -> str:
        from cobuild.http.origins import normalize_origins

        return ",".join(normalize_origins(v))

    @model_validator(mode="after")
    def _password(self) -> "Settings":
        if self.neo4j_uri and not self.neo4j_password:
            raise ValueError("COBUILD_NEO4J_PASSWORD is required when COBUILD_NEO4J_URI is set")
        return self

    @model_validator(mode="after")
    def _heavy_slots(self) -> "Settings":
        readers = self.ladybug_readers
        if not self.neo4j_uri and self.heavy_slots is not None and readers >= 2 and self.heavy_slots >= readers:
            raise ValueError(f"COBUILD_HEAVY_SLOTS={self.heavy_slots} must be below COBUILD_LADYBUG_READERS={readers}, "
                             "so page questions always find a read connection; raise the readers or lower the slots")
        return self

    @property
    def engine_name(self) -> str:
        return "neo4j" if self.neo4j_uri else "ladybug"

    @property
    def cors_origin_list(self) -> list[str]:
        return [o for o in self.cors_origins.split(",") if o]
