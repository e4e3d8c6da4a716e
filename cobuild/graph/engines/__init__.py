"""Engine selection: Neo4j when a URI is configured, otherwise the embedded LadybugDB store."""

from __future__ import annotations

from cobuild.config import Settings
from cobuild.graph.engines.base import GraphEngine, StatementCounter, Tx


def make_engine(settings: Settings) -> GraphEngine:
    if settings.neo4j_uri:
        from cobuild.graph.engines.neo4j import Neo4jEngine

        return Neo4jEngine(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password, settings.neo4j_database,
                           max_retry_s=settings.neo4j_max_retry_s, load_batch=settings.neo4j_load_batch,
                           load_parallel=settings.neo4j_load_parallel)
    from cobuild.graph.engines.ladybug import LadybugEngine

    return LadybugEngine(settings.db_path, readers=settings.ladybug_readers, buffer_pool_mb=settings.ladybug_buffer_pool_mb)


__all__ = ["GraphEngine", "StatementCounter", "Tx", "make_engine"]
