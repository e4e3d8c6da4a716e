"""How fast the explorer (/explore) draws 2,000 nodes: ``python -m bench.explorer`` (run by ``make bench``).

The generated district network (``cobuild generate --scale district``, cached in ``data/`` like the
main bench's network) is served by ``cobuild serve`` on 127.0.0.1; Debian's headless Chromium (no GPU,
software canvas) opens ``/explore?demo=2000`` once per run in a fresh page. The page loads 2,000 real
nodes with their relationships through GraphQL (root lists paged by 100, one statement per request),
then draws them, and reports in ``window.cobuildExplorer.lastDraw``:

- ``drawMs``: from handing the 2,000 nodes to Cytoscape (``cy.add``, positions in concentric rings by
  degree computed beforehand) to the second animation frame after it — the time until the picture is on
  screen; split into ``addMs`` (elements), ``layoutMs`` (setting the viewport) and ``renderMs`` (first
  canvas frames, where Cytoscape computes styles and edge geometry);
- ``zoomFrameMs``: the mean time of one zoom step with all 2,000 nodes on screen (ten steps, each
  waited to its second animation frame) — whether the picture stays responsive once drawn;
- the time to fetch the nodes (GraphQL requests) is reported beside it, not inside it.

The district view of the same network (every community of the district coloured by coverage gaps) is
timed the same way. The machine's load average is recorded: on a shared box the numbers move with it.
Writes ``bench/results/explorer.md`` and ``explorer.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.dataset import ensure_store
from bench.machine import loadavg
from bench.run import Server

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("COBUILD_TEST_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def _district_id(base: str) -> str:
    body = {"query": "{ adminAreas(first: 1, where: {level: {in: [DISTRICT]}}) { nodes { id } } }"}
    return httpx.post(base + "/graphql", json=body, timeout=30).json()["data"]["adminAreas"]["nodes"][0]["id"]


def measure(base: str, runs: int, count: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    demo: list[dict[str, Any]] = []
    district: list[dict[str, Any]] = []
    area = _district_id(base)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            for _ in range(runs):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                t0 = time.perf_counter()
                page.goto(f"{base}/explore?demo={count}", wait_until="load")
                page.wait_for_function("() => window.cobuildExplorer && window.cobuildExplorer.lastDraw", timeout=300_000)
                row = page.evaluate("() => window.cobuildExplorer.lastDraw")
                row["pageToDrawnMs"] = round((time.perf_counter() - t0) * 1000)
                demo.append(row)
                t1 = time.perf_counter()
                r = page.evaluate("id => window.cobuildExplorer.district(id)", area)
                district.append({"communities": r["communityCount"], "gaps": r["gapCount"],
                                 "nodes": page.evaluate("() => window.cobuildExplorer.cy.nodes().length"),
                                 "fetchAndDrawMs": round((time.perf_counter() - t1) * 1000)})
                page.close()
        finally:
            browser.close()
    return {"area": area, "demo": demo, "district": district}


def _stats(rows: list[dict[str, Any]], key: str) -> dict[str, float]:
    vals = [r[key] for r in rows]
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals)}


def report(result: dict[str, Any], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    (out / "explorer.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    demo, district = result["demo"], result["district"]
    keys = [("drawMs", "draw 2,000 nodes (cy.add → viewport → 2nd frame)"), ("addMs", "… add elements + styles"),
            ("layoutMs", "… viewport (ring positions computed before add)"), ("renderMs", "… first frames"),
            ("zoomFrameMs", "one zoom step, 2,000 nodes on screen"),
            ("pageToDrawnMs", "page load + GraphQL fetch + draw (whole)")]
    lines = [
        "# Explorer: time to draw 2,000 nodes", "",
        f"Measured {result['when']} by `python -m bench.explorer` (bench/explorer.py) on the generated "
        f"`{result['scale']}` network (seed {result['seed']}), Cytoscape.js {result['cytoscape']} (canvas renderer), "
        f"Debian Chromium headless, no GPU (`--disable-gpu`), viewport 1400×900, {result['runs']} runs, a fresh page each.",
        f"Machine: {result['cores']} cores, load average {result['loadavg_before']} before and {result['loadavg_after']} after "
        "(a shared box: other processes compete for the cores, so these are upper bounds).", "",
        f"Nodes drawn: {demo[0]['nodes']}, relationships: {demo[0]['edges']}, loaded with {demo[0]['requests']} GraphQL requests.", "",
        "| measure | median ms | min ms | max ms |", "|---|---:|---:|---:|"]
    for key, title in keys:
        s = _stats(demo, key)
        lines.append(f"| {title} | {s['median']:.0f} | {s['min']:.0f} | {s['max']:.0f} |")
    s = _stats(district, "fetchAndDrawMs")
    lines += ["", f"District view of `{result['area']}`: {district[0]['communities']} communities, {district[0]['gaps']} gaps, "
              f"{district[0]['nodes']} nodes drawn; fetch (coverageGaps + paged AdminArea.communities) and draw: "
              f"median {s['median']:.0f} ms (min {s['min']:.0f}, max {s['max']:.0f}).", "",
              "Per run (drawMs): " + ", ".join(str(r["drawMs"]) for r in demo) + ".", ""]
    path = out / "explorer.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.explorer", description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", default="district", help="generated network to serve (district: ~34k nodes)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--nodes", type=int, default=2000)
    p.add_argument("--data-dir", type=Path, default=ROOT / "data")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = p.parse_args(argv)
    from cobuild.web.assets import WebAssets

    if WebAssets().file("cytoscape") is None:
        raise SystemExit("Cytoscape.js is not installed: run `make web`")
    store, _load = ensure_store(args.data_dir, args.scale, args.seed, regenerate=False, log=print)
    with tempfile.TemporaryDirectory(prefix="cobuild-explorer-bench-") as tmp_s:
        tmp = Path(tmp_s)
        server = Server(store, tmp / "keys.json", tmp / "serve.log")  # the main bench's service runner
        server.start()
        try:
            before = loadavg()
            result = measure(server.base, args.runs, args.nodes)
            after = loadavg()
        finally:
            server.stop()
    result.update(when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), scale=args.scale, seed=args.seed, runs=args.runs,
                  cytoscape=WebAssets().version("cytoscape"), cores=os.cpu_count(), loadavg_before=before, loadavg_after=after,
                  python=platform.python_version())
    path = report(result, args.out)
    print(path.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
