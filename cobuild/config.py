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
    db_path: Path = Field(Path("data/cobuild.lbdb"), description="LadybugDB database directory")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("neo4j_uri")
    @classmethod
    def _scheme(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        scheme = v.split("://", 1)[0]
        if "://" not in v or scheme not in NEO4J_SCHEMES:
            raise ValueError(f"COBUILD_NEO4J_URI must start with one of {', '.join(s + '://' for s in NEO4J_SCHEMES)}; got {v!r}")
        return v

    @model_validator(mode="after")
    def _password(self) -> "Settings":
        if self.neo4j_uri and not self.neo4j_password:
            raise ValueError("COBUILD_NEO4J_PASSWORD is required when COBUILD_NEO4J_URI is set")
        return self

    @property
    def engine_name(self) -> str:
        return "neo4j" if self.neo4j_uri else "ladybug"
