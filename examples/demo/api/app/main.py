"""HTTP server for the demo API (stdlib http.server, no framework).

Routes
  GET /health         200 {"status":"ok","db":"ok","at_head":true,"revision":...} when the
                      serving role can connect and the DB revision equals the alembic head of
                      the scripts baked into this image; 503 with the reason otherwise.
                      Never rate limited.
  GET /api/v1/items   the items, as JSON.
  GET /api/v1/categories
  GET /api/<path>     307 to /api/v1/<path> (seed 000 issue 6: the redirect carries no CORS
                      headers; clients must call /api/v1 directly).

Environment
  APP_DATABASE_URL / DATABASE_URL   see app/db.py
  API_PORT_INTERNAL                 listen port (default 8000), always on 0.0.0.0
  API_START_DELAY_S                 sleep this long before listening (fault injection)
  API_CRASH_ON_START=1              raise at startup: traceback on stderr, exit 1
  RATE_LIMIT_ENABLED=true           per-client limit on /api/* (RATE_LIMIT_PER_MINUTE, default 120)
  CORS_ALLOW_ORIGIN                 default "*"
  ALEMBIC_CONFIG                    default /app/alembic.ini (next to the app package)

The DB may be unreachable, the role missing or the schema unmigrated when this starts
(bootstrap creates the roles after `db` is up): /health answers 503 until it is ready.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections import defaultdict, deque
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from . import db
from .models import Category, Item

ALEMBIC_INI = Path(os.environ.get("ALEMBIC_CONFIG") or Path(__file__).resolve().parent.parent / "alembic.ini")


def log(msg: str) -> None:
    print(f"[api] {msg}", file=sys.stderr, flush=True)


def _short(exc: BaseException) -> str:
    """One line, from the driver error when there is one (never contains the URL/password)."""
    orig = getattr(exc, "orig", None) or exc
    lines = [ln.strip() for ln in str(orig).splitlines() if ln.strip()]
    return f"{type(orig).__name__}: {lines[0] if lines else ''}"[:300]


def alembic_heads() -> list[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    return sorted(ScriptDirectory.from_config(Config(str(ALEMBIC_INI))).get_heads())


def check_health() -> tuple[int, dict]:
    body: dict = {"status": "unavailable", "db": "error", "at_head": False, "revision": None}
    try:
        heads = alembic_heads()
    except Exception as exc:  # the image's own scripts are broken: never healthy
        body.update(error=f"alembic scripts: {_short(exc)}")
        return 503, body
    body["head"] = heads[0] if len(heads) == 1 else heads
    try:
        with db.app_engine().connect() as conn:
            role = conn.execute(text("SELECT current_user")).scalar_one()
            body.update(db="ok", role=role)
            has_table = conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar_one()
            revs = (
                sorted(r for (r,) in conn.execute(text("SELECT version_num FROM alembic_version")))
                if has_table else []
            )
    except Exception as exc:
        body.update(error=_short(exc))
        return 503, body
    body["revision"] = revs[0] if len(revs) == 1 else (revs or None)
    body["at_head"] = revs == heads
    if not body["at_head"]:
        body.update(status="degraded", error=(
            "database has no alembic_version table (not migrated)" if not has_table
            else f"database revision {revs} is not the image's head {heads}"))
        return 503, body
    body["status"] = "ok"
    return 200, body


class RateLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.hits: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        with self.lock:
            q = self.hits[client]
            while q and now - q[0] > 60:
                q.popleft()
            if len(q) >= self.per_minute:
                return False
            q.append(now)
            return True


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


RATE_LIMITER = (
    RateLimiter(int(os.environ.get("RATE_LIMIT_PER_MINUTE", "120"))) if _env_true("RATE_LIMIT_ENABLED") else None
)
_last_health: list[int] = [0]


class Handler(BaseHTTPRequestHandler):
    server_version = "demo-api/1.0"
    protocol_version = "HTTP/1.1"

    def _send(self, status: int, body: dict | list | None = None, headers: dict[str, str] | None = None,
              cors: bool = True) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        if cors:
            self.send_header("Access-Control-Allow-Origin", os.environ.get("CORS_ALLOW_ORIGIN", "*"))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def do_OPTIONS(self) -> None:  # CORS preflight
        self._send(HTTPStatus.NO_CONTENT, None, {
            "Access-Control-Allow-Methods": "GET, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, Authorization",
            "Access-Control-Max-Age": "600",
        })

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        if path == "/health":
            status, body = check_health()
            if status != _last_health[0]:
                log(f"health {status}: {body.get('error', 'ok')}")
                _last_health[0] = status
            return self._send(status, body)
        if path.startswith("/api/") and RATE_LIMITER and not RATE_LIMITER.allow(self.client_address[0]):
            return self._send(HTTPStatus.TOO_MANY_REQUESTS, {"error": "rate limited"}, {"Retry-After": "60"})
        if path == "/api/v1/items":
            return self._db_json(self._items)
        if path == "/api/v1/categories":
            return self._db_json(self._categories)
        if path.startswith("/api/") and not path.startswith("/api/v1/"):
            target = "/api/v1/" + url.path[len("/api/"):]
            if url.query:
                target += "?" + url.query
            # Deliberately no CORS headers on the redirect (what the seed's backend did).
            return self._send(HTTPStatus.TEMPORARY_REDIRECT, None, {"Location": target}, cors=False)
        if path == "/":
            return self._send(HTTPStatus.OK, {"service": "demo-api", "health": "/health", "items": "/api/v1/items"})
        return self._send(HTTPStatus.NOT_FOUND, {"error": f"no route for {url.path}"})

    def _db_json(self, fn) -> None:
        try:
            with Session(db.app_engine()) as session:
                body = fn(session)
        except Exception as exc:  # 500 with CORS headers, so browsers show the real error
            log(f"{self.path}: {_short(exc)}")
            return self._send(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": _short(exc)})
        self._send(HTTPStatus.OK, body)

    @staticmethod
    def _items(session: Session) -> list[dict]:
        rows = session.scalars(select(Item).options(selectinload(Item.category)).order_by(Item.id))
        return [item.as_dict() for item in rows]

    @staticmethod
    def _categories(session: Session) -> list[dict]:
        rows = session.scalars(select(Category).order_by(Category.id))
        return [{"id": c.id, "slug": c.slug, "name": c.name} for c in rows]

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        if not self.path.startswith("/health"):
            log(f"{self.address_string()} {format % args}")


def _on_sigterm(signum, frame) -> None:
    raise SystemExit(0)


def main() -> None:
    signal.signal(signal.SIGTERM, _on_sigterm)
    if os.environ.get("API_CRASH_ON_START") == "1":
        raise RuntimeError("API_CRASH_ON_START=1: simulated crash during startup (fault injection)")
    delay = float(os.environ.get("API_START_DELAY_S") or 0)
    if delay > 0:
        log(f"API_START_DELAY_S={delay:g}: sleeping before listening")
        time.sleep(delay)
    port = int(os.environ.get("API_PORT_INTERNAL", "8000"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    server.daemon_threads = True
    log(f"listening on 0.0.0.0:{port} (alembic config {ALEMBIC_INI}, "
        f"rate limit {'on' if RATE_LIMITER else 'off'}, APP_ENV={os.environ.get('APP_ENV', 'development')})")
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
        log("stopped")


if __name__ == "__main__":
    main()
