"""verify:<service>: the built image really holds what the app needs. Read-only.

Each `verify_imports` module is imported separately in one throwaway container
(the service's environment and working_dir from the compose model, no network,
nothing else started); a failure is reported with the image's python version and
sys.path (seed 004: alembic missing from a stale image). With --prod and
`forbid_strings`, the files under `path` are exported from the image and every
file containing a forbidden string is named (seed 004: NEXT_PUBLIC_* values
inlined at build time, localhost in a production bundle).
"""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..engine import NO_RETRY, BaseStep, Check
from ..errors import StepError
from ..secrets import redact

if TYPE_CHECKING:
    from ..context import Context

MARKER = "@@bootstrap-verify@@"
TIMEOUT_S = 120
SCRIPT = f"""
import importlib, json, sys
report = {{"python": sys.version.split()[0], "executable": sys.executable, "sys_path": sys.path, "modules": {{}}}}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
        report["modules"][name] = None
    except BaseException as exc:
        report["modules"][name] = type(exc).__name__ + ": " + str(exc)
print({MARKER!r} + json.dumps(report), flush=True)
"""


def import_report(ctx: Context, service: str, modules: Sequence[str]) -> dict[str, Any]:
    """Run SCRIPT in the service's image; its JSON report."""
    import docker
    import requests

    compose = ctx.compose
    svc = compose.services[service]
    last_error = ""
    for python in ("python", "python3"):
        container = ctx.docker.containers.create(
            svc.image, entrypoint=[python, "-c", SCRIPT], command=list(modules),
            environment=compose.service_env(service), working_dir=svc.working_dir or None,
            network_mode="none", name=f"{compose.project}-{service}-verify-{uuid.uuid4().hex[:8]}",
            labels={"dev.bootstrap.verify": service})
        try:
            try:
                container.start()
            except docker.errors.APIError as exc:  # no such executable: try the next name
                last_error = str(exc.explanation or exc)
                continue
            try:
                status = container.wait(timeout=TIMEOUT_S)
            except requests.RequestException as exc:
                raise StepError(f"verify {service}: the import check did not finish within {TIMEOUT_S}s",
                                hint="does importing one of the modules block (e.g. connect to a server)?") from exc
            out = container.logs(stdout=True, stderr=True).decode(errors="replace")
        finally:
            container.remove(force=True)
        for line in out.splitlines():
            if line.startswith(MARKER):
                return dict(json.loads(line[len(MARKER):]))
        raise StepError(f"verify {service}: the import check exited {status.get('StatusCode')} without a report",
                        output_tail=out.splitlines()[-30:])
    raise StepError(f"verify {service}: no python in image {svc.image}: {last_error}",
                    hint=f"remove verify_imports for {service} if the image has no python")


def forbidden_files(ctx: Context, service: str, path: str, strings: Sequence[str]) -> dict[str, list[str]]:
    """string -> files under `path` in the service's image that contain it (exported, not run)."""
    import docker

    image = ctx.compose.services[service].image
    found: dict[str, list[str]] = {s: [] for s in strings}
    container = ctx.docker.containers.create(image, entrypoint=["true"], network_mode="none",
                                             labels={"dev.bootstrap.verify": service})
    try:
        try:
            stream, _stat = container.get_archive(path)
        except docker.errors.NotFound as exc:
            raise StepError(f"verify {service}: {path} does not exist in image {image}",
                            hint="fix images.<service>.forbid_strings.path") from exc
        needles = [(s, s.encode()) for s in strings]
        base = path.rstrip("/").rsplit("/", 1)[0]
        with tarfile.open(fileobj=_Stream(stream), mode="r|") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                f = tar.extractfile(member)
                data = f.read() if f else b""
                for text, needle in needles:
                    if needle in data:
                        found[text].append(f"{base}/{member.name}".replace("//", "/"))
    finally:
        container.remove(force=True)
    return found


def _verification_key(image_id: str, modules: Sequence[str], forbid: Any, env: dict[str, str]) -> str:
    """What a passing verification depended on; environment values are hashed, never stored."""
    parts = [image_id, *modules, repr(forbid), *(f"{k}={v}" for k, v in sorted(env.items()))]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _read_json(path: Any) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return {}


class _Stream(io.RawIOBase):
    """A file object over the SDK's chunk iterator, so the archive is read as it arrives."""

    def __init__(self, chunks: Any) -> None:
        self._chunks = iter(chunks)
        self._buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf:
            try:
                self._buf = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf))
        b[:n], self._buf = self._buf[:n], self._buf[n:]
        return n


class Verify(BaseStep):
    retry = NO_RETRY
    verify_by_check = False

    def __init__(self, service: str) -> None:
        self.service = service
        self.name = f"verify:{service}"

    def check(self, ctx: Context) -> Check:
        """The verification itself: ok when everything passes, else a StepError naming each failure."""
        cfg = ctx.config.images.get(self.service)
        forbid = cfg.forbid_strings if cfg and ctx.prod else None
        modules = cfg.verify_imports if cfg else ()
        if not modules and not forbid:
            return Check(True, "nothing to verify")
        image = ctx.compose.services[self.service].image
        image_id = ctx.compose.image_id(self.service)
        if image_id is None:
            raise StepError(f"verify {self.service}: image {image} does not exist", hint="build it first")
        key = _verification_key(image_id, modules, forbid, ctx.compose.service_env(self.service))
        ledger = ctx.compose.project_state / "verified.json"
        passed = _read_json(ledger)
        if passed.get(self.service, {}).get("key") == key:  # an image is immutable: same id, same answer
            return Check(True, f"{passed[self.service]['said']} (image {image_id[7:19]} verified before)")
        said: list[str] = []
        if modules:
            said.append(self._imports(ctx, image, modules))
        if forbid:
            said.append(self._forbidden(ctx, image, forbid.path, forbid.strings))
        passed[self.service] = {"key": key, "said": "; ".join(said)}
        ledger.parent.mkdir(parents=True, exist_ok=True)
        tmp = ledger.with_name(f"{ledger.name}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.write_text(json.dumps(passed, indent=1))
        tmp.replace(ledger)
        return Check(True, "; ".join(said))

    def _imports(self, ctx: Context, image: str, modules: Sequence[str]) -> str:
        report = import_report(ctx, self.service, modules)
        failed = {m: redact(err, ctx.runner.secrets) for m, err in report["modules"].items() if err}
        if not failed:
            return f"{len(modules)} import{'s' if len(modules) != 1 else ''} ok"
        tail = [f"{m}: {err}" for m, err in failed.items()]
        tail += [f"python {report['python']} ({report['executable']})", "sys.path:",
                 *(f"  {p or '(cwd)'}" for p in report["sys_path"])]
        first = next(iter(failed.items()))
        raise StepError(f"{len(failed)} of {len(modules)} imports fail in image {image}: {first[0]} ({first[1]})"
                        f"; python {report['python']}, sys.path {report['sys_path']}",
                        hint="is the package in the dependencies of the final stage? rebuild with --rebuild "
                             "if the image is stale",
                        output_tail=tail)

    def _forbidden(self, ctx: Context, image: str, path: str, strings: Sequence[str]) -> str:
        found = forbidden_files(ctx, self.service, path, strings)
        hits = {s: files for s, files in found.items() if files}
        if not hits:
            return f"none of {len(strings)} forbidden strings under {path}"
        tail = [f"{s!r}: {f}" for s, files in hits.items() for f in files]
        shown = "; ".join(f"{s!r} in {', '.join(files[:3])}{' ...' if len(files) > 3 else ''}"
                          for s, files in hits.items())
        raise StepError(f"image {image} contains forbidden strings: {shown}",
                        hint="values such as NEXT_PUBLIC_* are inlined at build time: pass them as build args",
                        output_tail=tail)

    def apply(self, ctx: Context) -> str:  # pragma: no cover - check either passes or raises
        return self.check(ctx).detail

    def plan(self, ctx: Context) -> list[str]:
        cfg = ctx.config.images.get(self.service)
        out = []
        if cfg and cfg.verify_imports:
            out.append(f"import {', '.join(cfg.verify_imports)} in a throwaway {self.service} container")
        if cfg and cfg.forbid_strings and ctx.prod:
            out.append(f"search {cfg.forbid_strings.path} in the image for {len(cfg.forbid_strings.strings)} "
                       "forbidden strings")
        return out
