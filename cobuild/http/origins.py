"""``COBUILD_CORS_ORIGINS``: browser origins, checked once at start-up."""

from __future__ import annotations

from urllib.parse import urlsplit


def normalize_origins(value: str) -> list[str]:
    """``"https://a.example, http://intranet:8080/"`` → ``["https://a.example", "http://intranet:8080"]``.

    An origin is ``scheme://host[:port]`` exactly as browsers send it (lower-case, no path). ``*`` is
    refused: credentials are allowed for listed origins, and a wildcard with credentials would let any
    site act with a user's stored credentials."""
    out: list[str] = []
    for raw in value.split(","):
        item = raw.strip()
        if not item:
            continue
        if item == "*" or "*" in item:
            raise ValueError("COBUILD_CORS_ORIGINS must list origins explicitly (wildcards are not allowed); "
                             "e.g. https://portal.example.gov.cn,http://10.0.0.5:8080")
        parts = urlsplit(item)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
                or parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError(f"COBUILD_CORS_ORIGINS: {item!r} is not an origin; write scheme://host[:port] with no path, "
                             "e.g. https://portal.example.gov.cn")
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"COBUILD_CORS_ORIGINS: {item!r} has an invalid port") from None
        host = parts.hostname.lower()
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        default = {"http": 80, "https": 443}[parts.scheme]
        origin = f"{parts.scheme}://{host}" + (f":{port}" if port is not None and port != default else "")
        if origin not in out:
            out.append(origin)
    return out
