"""Third-party browser files: which npm package files a page may load, where they are installed,
and the local URLs they are served under.

Only the files listed in :data:`VENDOR` are served (never the rest of ``node_modules``), under
``/static/vendor/<package>@<installed version>/<path>``: the version in the URL lets browsers cache
them for a year, and an upgrade changes the URL. Versions are pinned in ``web/package.json`` and
``web/package-lock.json``; ``make web`` installs them (``npm ci``) when the lock file changed.
A page whose files are missing shows how to install them instead of a blank screen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

VENDOR_PREFIX = "/static/vendor/"
INSTALL_COMMAND = "make web"  # from the checkout; equivalent: npm ci --prefix web


@dataclass(frozen=True)
class VendorFile:
    package: str  # npm package name, as in web/package.json
    path: str  # file inside the package: its own prebuilt browser bundle
    kind: str  # "script" or "style"


VENDOR: dict[str, VendorFile] = {
    "react": VendorFile("react", "umd/react.production.min.js", "script"),
    "react-dom": VendorFile("react-dom", "umd/react-dom.production.min.js", "script"),
    "graphiql": VendorFile("graphiql", "graphiql.min.js", "script"),
    "graphiql.css": VendorFile("graphiql", "graphiql.min.css", "style"),
    "cytoscape": VendorFile("cytoscape", "dist/cytoscape.min.js", "script"),  # the explorer's canvas renderer (UMD)
}


def default_web_dir() -> Path:
    """``web/`` of the checkout this package runs from (``pip install -e .``, as the Makefile does)."""
    return Path(__file__).resolve().parents[2] / "web"


class WebAssets:
    """Looks files up in ``<web_dir>/node_modules`` on every call, so assets installed while the
    service runs are served without a restart."""

    def __init__(self, web_dir: Path | None = None) -> None:
        self.web_dir = Path(web_dir) if web_dir is not None else default_web_dir()
        self.node_modules = self.web_dir / "node_modules"

    def version(self, package: str) -> str | None:
        try:
            meta = json.loads((self.node_modules / package / "package.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        v = meta.get("version")
        return v if isinstance(v, str) else None

    def file(self, name: str) -> Path | None:
        f = VENDOR[name]
        path = self.node_modules / f.package / f.path
        return path if path.is_file() and self.version(f.package) else None

    def url(self, name: str) -> str | None:
        f = VENDOR[name]
        version = self.version(f.package)
        if version is None or self.file(name) is None:
            return None
        return f"{VENDOR_PREFIX}{f.package}@{version}/{f.path}"

    def missing(self, names: tuple[str, ...]) -> list[str]:
        return [f"{VENDOR[n].package}/{VENDOR[n].path}" for n in names if self.file(n) is None]

    def resolve(self, rest: str) -> Path | None:
        """The installed file behind ``/static/vendor/<rest>``, only if it is a listed one."""
        for name in VENDOR:
            url = self.url(name)
            if url is not None and url == VENDOR_PREFIX + rest:
                return self.file(name)
        return None
