"""Connecting as the PostgreSQL superuser: where the server is, and waiting until it answers.

`resolve_superuser_conninfo` is pure: it takes the configured URL and what the
compose layer knows about the service (published port, network address,
environment) and returns the conninfo to use. `superuser_conninfo(ctx)` gathers
those values; `wait_until_ready` retries one connection attempt under a single
deadline, with exponential backoff and jitter, and only for transient failures.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, StepError, TransientError
from ..secrets import Secret, obfuscate_url

if TYPE_CHECKING:
    import psycopg

    from ..context import Context

FACT_CONNINFO = "superuser_conninfo"
MAINTENANCE_DB = "postgres"
APPLICATION_NAME = "bootstrap"

# Words in libpq/server messages that mean "not yet": worth waiting for.
_TRANSIENT = (
    "connection refused", "the database system is starting up", "the database system is shutting down",
    "not yet accepting connections", "in recovery mode", "timeout expired", "no such file or directory",
    "server closed the connection unexpectedly", "connection reset", "could not receive data",
    "consistent recovery state has not been yet reached", "no route to host", "network is unreachable",
    "too many clients", "the database system is in recovery",
)
_HOST_UNKNOWN = ("could not translate host name", "name or service not known",
                 "temporary failure in name resolution")


def resolve_superuser_conninfo(
    url: Secret | None,
    *,
    service: str | None,
    published_port: int | None = None,
    address: str | None = None,
    service_env: Mapping[str, str] | None = None,
) -> Secret:
    """The superuser conninfo to connect with.

    - No compose service (an external server): the configured URL as it is.
    - Service with 5432 published on the host: the URL's user and password, its host
      (default 127.0.0.1) and the published port.
    - Service without a published port (prod overlay): the container's address on the
      project network, port 5432, user POSTGRES_USER (default postgres) and password
      POSTGRES_PASSWORD from the service's environment (the URL's when it has none).
    """
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params: dict[str, Any] = conninfo_to_dict(url.reveal()) if url else {}
    env = dict(service_env or {})
    if service is None:
        if not url:
            raise ConfigError("database.superuser_url is not set",
                              "set the environment variable named by database.superuser_url_env")
        return Secret(url.reveal(), url.source)
    if published_port is not None:
        params.setdefault("user", env.get("POSTGRES_USER", "postgres"))
        if "password" not in params and env.get("POSTGRES_PASSWORD"):
            params["password"] = env["POSTGRES_PASSWORD"]
        host = params.get("host")
        if not host or host == service:  # the service name resolves only inside the network
            host = "127.0.0.1"
        params.update(host=host, port=str(published_port))
    else:
        if not address:
            raise TransientError(f"service {service} has no address on the project network yet")
        params["user"] = env.get("POSTGRES_USER") or "postgres"
        if env.get("POSTGRES_PASSWORD"):
            params["password"] = env["POSTGRES_PASSWORD"]
        params.update(host=address, port="5432")
    params.pop("hostaddr", None)
    return Secret(make_conninfo("", **params), url.source if url else f"service {service}")


def with_database(conninfo: Secret, dbname: str, **overrides: Any) -> Secret:
    """The same conninfo pointed at another database (and other overrides)."""
    from psycopg.conninfo import make_conninfo

    return Secret(make_conninfo(conninfo.reveal(), dbname=dbname, **overrides), conninfo.source)


def conninfo_params(conninfo: Secret) -> dict[str, str]:
    from psycopg.conninfo import conninfo_to_dict

    return {k: str(v) for k, v in conninfo_to_dict(conninfo.reveal()).items()}


def describe(conninfo: Secret) -> str:
    """`postgresql://user@host:port/db`: what a message may show (never the password)."""
    p = conninfo_params(conninfo)
    host = p.get("host", "localhost")
    if host.startswith("/"):
        host = f"[{host}]"
    return obfuscate_url(f"postgresql://{p.get('user', '')}@{host}:{p.get('port', '5432')}/{p.get('dbname', '')}")


def maintenance_database(conninfo: Secret, target: str) -> str:
    """The database to connect to while `target` may not exist yet: the URL's, unless it is the target."""
    dbname = conninfo_params(conninfo).get("dbname")
    return dbname if dbname and dbname != target else MAINTENANCE_DB


def superuser_conninfo(ctx: Context) -> Secret:
    """The working superuser conninfo: the one database-ready found, else resolved the same way."""
    known = ctx.facts.get(FACT_CONNINFO)
    if isinstance(known, Secret):
        return known
    db = ctx.config.database
    if db is None:
        raise ConfigError("no database section in the configuration")
    if db.service is None:
        return resolve_superuser_conninfo(db.superuser_url, service=None)
    compose = ctx.compose
    port = compose.published_port(db.service, 5432)
    return resolve_superuser_conninfo(
        db.superuser_url, service=db.service, published_port=port,
        address=None if port is not None else compose.address(db.service),
        service_env=compose.service_env(db.service),
    )


def container_failure(service: str, state: Mapping[str, Any]) -> str | None:
    """Why waiting for the database container is pointless (it exited, died or restarts), or None."""
    status = state.get("status")
    if status not in ("exited", "dead", "restarting"):
        return None
    oom = ", killed for lack of memory" if state.get("oom_killed") else ""
    return (f"the {service} container is {status} (exit code {state.get('exit_code')}{oom}, "
            f"{state.get('restart_count') or 0} restarts)")


def classify(exc: BaseException, conninfo: Secret, *, service: str | None = None) -> StepError:
    """A connection failure as a typed error: transient (retry) or permanent, in the server's words."""
    words = " ".join(str(exc).split())
    text = f"cannot connect to {describe(conninfo)}: {words}"
    lowered = words.lower()
    if any(t in lowered for t in _TRANSIENT) or (service and any(t in lowered for t in _HOST_UNKNOWN)):
        return TransientError(text)
    if "password authentication failed" in lowered or "authentication failed" in lowered:
        return StepError(text, "check the superuser password in the URL (database.superuser_url_env)")
    if "does not exist" in lowered:
        return StepError(text, "check the database and user names in database.superuser_url_env")
    return StepError(text)


def connect(conninfo: Secret, *, dbname: str | None = None, autocommit: bool = True,
            connect_timeout: int = 10, service: str | None = None,
            application_name: str = APPLICATION_NAME) -> psycopg.Connection[Any]:
    """One connection, or a typed error (`TransientError` when worth retrying)."""
    import psycopg

    target = with_database(conninfo, dbname) if dbname else conninfo
    try:
        return psycopg.connect(target.reveal(), autocommit=autocommit, connect_timeout=connect_timeout,
                               application_name=application_name)
    except psycopg.OperationalError as exc:
        raise classify(exc, target, service=service) from None


@contextmanager
def sql_errors(what: str) -> Iterator[None]:
    """Turn a psycopg error into a `StepError` saying what was being done, in the server's words."""
    import psycopg

    try:
        yield
    except psycopg.errors.LockNotAvailable as exc:
        raise StepError(f"{what}: {_primary(exc)} (lock_timeout reached)",
                        "another session holds a lock on these objects; find it in pg_locks / "
                        "pg_prepared_xacts, end it, and rerun") from None
    except psycopg.Error as exc:
        state = f" [{exc.sqlstate}]" if exc.sqlstate else ""
        raise StepError(f"{what}: {_primary(exc)}{state}") from None


def _primary(exc: Any) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    return primary or " ".join(str(exc).split())


def wait_until_ready(
    attempt: Callable[[], Any],
    *,
    deadline_s: float,
    sleep: Callable[[float], None] = time.sleep,
    initial_s: float = 0.2,
    max_wait_s: float = 2.0,
    on_retry: Callable[[int, BaseException], None] | None = None,
) -> Any:
    """Call `attempt` until it returns, retrying only `TransientError` until `deadline_s` has passed.

    A permanent error (authentication, missing database, exited container) is raised
    at once; when the deadline passes the last transient error becomes permanent.
    """
    from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_delay
    from tenacity import wait_exponential_jitter

    def before_sleep(state: Any) -> None:
        if on_retry and state.outcome is not None:
            on_retry(state.attempt_number, state.outcome.exception())

    retrying = Retrying(
        stop=stop_after_delay(deadline_s), wait=wait_exponential_jitter(initial=initial_s, max=max_wait_s),
        retry=retry_if_exception_type(TransientError), sleep=sleep, reraise=False,
        before_sleep=before_sleep,
    )
    try:
        return retrying(attempt)
    except RetryError as exc:
        last = exc.last_attempt.exception()
        n = exc.last_attempt.attempt_number
        raise StepError(f"not ready after {deadline_s:g}s ({n} attempts): {getattr(last, 'message', last)}",
                        "is the server running and reachable? raise database.ready_timeout_s if it is slow "
                        "to start") from None


__all__ = ["FACT_CONNINFO", "classify", "connect", "container_failure", "describe", "maintenance_database",
           "resolve_superuser_conninfo", "sql_errors", "superuser_conninfo", "wait_until_ready",
           "with_database"]
