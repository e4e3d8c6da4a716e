"""deploy/: what can be checked without a Docker engine. The Dockerfile sets the image up with the
Makefile's own `make install` and starts a command that exists; the Compose file parses, references
only services, volumes and files that exist, and its settings validate; Prometheus scrapes the
service's metrics port."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cobuild.cli import app
from cobuild.config import Settings
from cobuild.serving import check_workers

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
runner = CliRunner()


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) in order; continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        instruction, _, args = line.partition(" ")
        out.append((instruction.upper(), " ".join(args.split())))
    assert not pending, "the Dockerfile ends inside a continued line"
    return out


def _exec_form(args: str) -> list[str]:
    import json

    return json.loads(args) if args.startswith("[") else shlex.split(args)


def test_the_image_is_set_up_by_the_makefiles_install() -> None:
    steps = dockerfile()
    assert steps[0] == ("FROM", "python:3.11-slim")
    runs = [a for i, a in steps if i == "RUN"]
    assert any(re.search(r"(^|&& )make install$", r) for r in runs), runs
    # the system packages the install needs: make itself, Node and npm for the web assets
    apt = next(r for r in runs if "apt-get install" in r)
    assert {"make", "nodejs", "npm"} <= set(apt.split())
    # every other RUN prepares the system (packages, the user, folders), never installs Python packages
    # by another route than the Makefile
    assert not any("pip" in r for r in runs)
    dry = subprocess.run(["make", "-n", "-B", "install"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "-m venv .venv" in dry and "pip install" in dry  # what `make install` does on this machine too


def test_the_image_copies_the_project_and_ignores_local_state() -> None:
    steps = dockerfile()
    copies = [a for i, a in steps if i == "COPY"]
    assert copies and all((ROOT / _exec_form(c)[-2]).exists() for c in copies if not c.startswith("--from"))
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv/", "data/", ".git/"} <= set(ignored)
    workdir = next(a for i, a in steps if i == "WORKDIR")
    env = " ".join(a for i, a in steps if i == "ENV")
    assert f"{workdir}/.venv/bin" in env  # the venv make install created is on PATH


def test_the_image_command_exists_and_listens_where_compose_says() -> None:
    steps = dockerfile()
    cmd = _exec_form(next(a for i, a in steps if i == "CMD"))
    assert cmd == ["cobuild", "serve"]
    result = runner.invoke(app, [*cmd[1:], "--help"])
    assert result.exit_code == 0 and "--workers" in result.output
    env = dict(re.findall(r"(COBUILD_\w+)=(\S+)", " ".join(a for i, a in steps if i == "ENV")))
    fields = {f"COBUILD_{name.upper()}" for name in Settings.model_fields}
    assert set(env) <= fields
    exposed = {p for i, a in steps if i == "EXPOSE" for p in a.split()}
    assert env["COBUILD_PORT"] in exposed and "9100" in exposed
    health = next(a for i, a in steps if i == "HEALTHCHECK")
    assert f"127.0.0.1:{env['COBUILD_PORT']}/healthz" in health


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def _substituted(value: Any) -> str:
    """Compose's ${VAR:-default} with the default (the value an operator gets without a .env)."""
    return re.sub(r"\$\{(\w+)(?::?-([^}]*))?\}", lambda m: m.group(2) or "", str(value))


def test_compose_references_only_what_exists() -> None:
    doc = compose()
    services, volumes = doc["services"], set(doc.get("volumes") or {})
    assert {"neo4j", "cobuild", "prometheus"} <= set(services)
    assert services["neo4j"]["image"].startswith("neo4j:5") and "community" in services["neo4j"]["image"]
    for name, svc in services.items():
        for dep, spec in (svc.get("depends_on") or {}).items() if isinstance(svc.get("depends_on"), dict) \
                else ((d, {}) for d in svc.get("depends_on") or []):
            assert dep in services, f"{name} depends on unknown service {dep}"
            condition = (spec or {}).get("condition")
            if condition == "service_healthy":
                assert "healthcheck" in services[dep], f"{dep} has no healthcheck for {name} to wait on"
        for mount in svc.get("volumes") or []:
            source = mount.split(":", 1)[0]
            if source.startswith((".", "/")):
                assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in volumes, f"{name} uses undeclared volume {source}"
        build = svc.get("build")
        if build:
            context = (DEPLOY / build["context"]).resolve()
            assert context == ROOT and (context / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    images = {svc.get("image") for svc in services.values() if svc.get("build")}
    assert services["cobuild"]["image"] in images  # the service runs the image the migrate step builds


def test_compose_settings_validate_and_run_several_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = compose()
    services = doc["services"]
    env = {k: _substituted(v) for k, v in services["cobuild"]["environment"].items()}
    assert services["migrate"]["environment"] == services["cobuild"]["environment"]
    fields = {f"COBUILD_{name.upper()}" for name in Settings.model_fields}
    assert {k for k in env if k.startswith("COBUILD_")} <= fields
    for key in list(os.environ):
        if key.startswith("COBUILD_"):
            monkeypatch.delenv(key)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.engine_name == "neo4j" and settings.workers > 1
    check_workers(settings, settings.workers)  # not refused: the workers run against Neo4j
    assert settings.neo4j_uri == "neo4j://neo4j:7687" and "neo4j" in services
    assert f"{settings.port}:{settings.port}" in services["cobuild"]["ports"]
    assert str(settings.metrics_port) in services["cobuild"]["expose"]
    assert services["migrate"]["command"] == ["cobuild", "migrate"]
    assert runner.invoke(app, ["migrate", "--help"]).exit_code == 0
    neo4j_env = services["neo4j"]["environment"]
    assert _substituted(neo4j_env["NEO4J_AUTH"]) == f"neo4j/{settings.neo4j_password}"


def test_prometheus_scrapes_the_metrics_port() -> None:
    prom = yaml.safe_load((DEPLOY / "prometheus.yml").read_text(encoding="utf-8"))
    services = compose()["services"]
    env = {k: _substituted(v) for k, v in services["cobuild"]["environment"].items()}
    jobs = {j["job_name"]: j for j in prom["scrape_configs"]}
    job = jobs["cobuild"]
    assert job.get("metrics_path", "/metrics") == "/metrics"
    targets = [t for sc in job["static_configs"] for t in sc["targets"]]
    assert targets == [f"cobuild:{env['COBUILD_METRICS_PORT']}"]
    mount = next(m for m in services["prometheus"]["volumes"] if m.startswith("./prometheus.yml"))
    assert mount.split(":")[1] == "/etc/prometheus/prometheus.yml"
    assert "--config.file=/etc/prometheus/prometheus.yml" in services["prometheus"]["command"]
