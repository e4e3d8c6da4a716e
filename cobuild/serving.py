"""``cobuild serve``: one process, or N uvicorn workers on a Neo4j store, and the metrics port.

* **Workers** (``--workers N`` / ``COBUILD_WORKERS``): N stateless processes behind one port, each with
  its own engine (a Neo4j driver pool). Refused on the embedded store: LadybugDB lets one process open
  the directory, and that process serves several requests at once up to ``COBUILD_LADYBUG_READERS``
  read connections. Rate-limit buckets live in each process: with N workers a credential may get up
  to N × the configured rate (docs/operators.md).
* **Metrics across workers**: prometheus-client's multiprocess mode. ``serve`` points
  ``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder (or empties the one given of its ``*.db`` files)
  before the workers start, so every worker writes its numbers there and any scrape sums them.
* **Metrics port** (``COBUILD_METRICS_PORT``): served by this process on its own thread, without
  credentials; with workers it reads the multiprocess folder, so the answer covers all of them.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from cobuild.config import Settings


class WorkersRefused(Exception):
    """More than one worker asked for on a store only one process may open."""


def check_workers(settings: Settings, workers: int) -> None:
    if workers > 1 and settings.engine_name != "neo4j":
        raise WorkersRefused(
            f"--workers {workers} needs a Neo4j store (COBUILD_NEO4J_URI): the embedded store (LadybugDB, "
            f"{settings.db_path}) is opened by one process only. One process serves several requests at once, "
            f"up to COBUILD_LADYBUG_READERS={settings.ladybug_readers} read connections; raise that instead.")


def prepare_multiprocess_metrics() -> str:
    """Point ``PROMETHEUS_MULTIPROC_DIR`` at an empty folder (made, or cleared of old ``*.db`` files)."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.db"):
            old.unlink()
    else:
        folder = Path(tempfile.mkdtemp(prefix="cobuild-metrics-"))
        atexit.register(shutil.rmtree, folder, True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return str(folder)


def start_metrics_port(settings: Settings, app: Any = None) -> Any:
    """Serve /metrics on ``COBUILD_METRICS_PORT`` from a thread of this process; None when unset."""
    if settings.metrics_port is None:
        return None
    from prometheus_client import start_http_server

    from cobuild.observe.metrics import aggregate_registry

    if app is not None:
        metrics = app.state.observability.metrics
        registry = metrics.registry if metrics is not None and not metrics.multiprocess else aggregate_registry()
    else:
        registry = aggregate_registry()
    host = settings.metrics_host or settings.host
    return start_http_server(settings.metrics_port, addr=host, registry=registry)


def serve(settings: Settings, workers: int | None, say: Any) -> None:
    import uvicorn

    n = workers or settings.workers
    check_workers(settings, n)
    common = dict(host=settings.host, port=settings.port, log_level=settings.log_level.lower(), access_log=False)
    where = f"http://{settings.host}:{settings.port}/graphql ({settings.engine_name} store"
    if n == 1:
        from cobuild.app import create_app

        app = create_app(settings)
        start_metrics_port(settings, app)
        say(f"cobuild on {where})")
        # uvicorn's own access lines would repeat the JSON access log (cobuild.access) without its fields
        uvicorn.run(app, **common)  # type: ignore[arg-type]
        return
    if settings.metrics != "off" or settings.metrics_port is not None:
        prepare_multiprocess_metrics()
    start_metrics_port(settings)
    os.environ["COBUILD_WORKERS"] = str(n)  # each worker's share of the cores (heavy-question slots) counts them all
    say(f"cobuild on {where}, {n} workers)")
    uvicorn.run("cobuild.app:create_app", factory=True, workers=n, **common)  # type: ignore[arg-type]
