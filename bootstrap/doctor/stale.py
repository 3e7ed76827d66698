"""Check stale-images (seed 004 issues 1 and 5): an image, or a container, older than its inputs.

- The image's fingerprint label (`dev.bootstrap.fingerprint`, set by the build
  step) differs from the fingerprint of the working tree: something it is built
  from changed. Dependency files changed after the build are named as the likely
  cause.
- An image without the label (built by hand, or cached on a server) is compared
  by time: a dependency file (pyproject.toml, uv.lock, requirements*.txt,
  package*.json) modified after the image was created means the image may lack
  a dependency (the seed's missing alembic).
- A running container whose image is no longer the one its tag points at runs
  yesterday's code.
"""
from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .finding import Verdict, fail, ok, warn
from .running import engine

if TYPE_CHECKING:
    from ..compose_model import BuildSpec
    from ..context import Context

DEPENDENCY_FILES = ("pyproject.toml", "uv.lock", "requirements*.txt", "package.json", "package-lock.json",
                    "poetry.lock", "Pipfile.lock", "yarn.lock", "pnpm-lock.yaml")


def dependency_files(build: BuildSpec) -> list[tuple[str, Path]]:
    """(relative path, path) of dependency files the builder receives (after .dockerignore)."""
    from ..buildcontext import DockerIgnore, walk_context

    ignore = DockerIgnore.for_context(build.context, build.dockerfile)
    return [(rel, path) for rel, path, is_dir in walk_context(build.context, ignore, skip_git=True)
            if not is_dir and any(fnmatch.fnmatch(path.name, p) for p in DEPENDENCY_FILES)]


def image_created(image: Any) -> datetime | None:
    text = str((image.attrs or {}).get("Created") or "")
    if not text:
        return None
    text = text.rstrip("Z")
    head, _, frac = text.partition(".")
    try:
        return datetime.fromisoformat(head + (f".{frac[:6]}" if frac else "")).replace(tzinfo=UTC)
    except ValueError:
        return None


def changed_after(build: BuildSpec, when: datetime) -> list[str]:
    return [f"{rel} ({datetime.fromtimestamp(path.stat().st_mtime, UTC):%Y-%m-%d %H:%M}Z)"
            for rel, path in dependency_files(build)
            if datetime.fromtimestamp(path.stat().st_mtime, UTC) > when]


def check_stale_images(ctx: Context) -> Iterable[Verdict]:
    import docker

    from ..fingerprint import LABEL

    client = engine(ctx)
    compose = ctx.compose
    out: list[Verdict] = []
    current = 0
    for name, svc in sorted(compose.services.items()):
        build = svc.build
        if build is None or build.remote:
            continue
        try:
            image = client.images.get(svc.image)
        except docker.errors.ImageNotFound:
            out.append(warn(f"service {name}: image {svc.image} is not built yet",
                            "invoke first-time (or restart) builds it"))
            continue
        created = image_created(image)
        built_at = f"{created:%Y-%m-%d %H:%M}Z" if created else "an unknown time"
        label = (image.labels or {}).get(LABEL)
        since = changed_after(build, created) if created else []
        if label is not None:
            wanted = compose.fingerprint(name)
            if label != wanted:
                cause = f"; dependency files changed since: {', '.join(since)}" if since else ""
                out.append(fail(f"service {name}: image {svc.image} (built {built_at}) was built from inputs "
                                f"with fingerprint {label[:12]}, the working tree's is {str(wanted)[:12]}{cause}",
                                f"rebuild it: invoke build --only {name} (or invoke restart)"))
                continue
        elif since:
            out.append(fail(f"service {name}: image {svc.image} was built {built_at}, before the last change "
                            f"to {', '.join(since)}; it may lack a dependency",
                            f"rebuild without cache: invoke build --only {name} (bootstrap labels it with "
                            "a fingerprint from then on)"))
            continue
        current += 1
    out += _stale_containers(ctx, client)
    if not out:
        out.append(ok(f"{current} image(s) match the working tree; running containers use them"))
    return out


def _stale_containers(ctx: Context, client: Any) -> list[Verdict]:
    """Running containers whose image is not the one their service's tag points at now."""
    import docker

    out: list[Verdict] = []
    for name, container in sorted(ctx.compose.containers().items()):
        svc = ctx.compose.services.get(name)
        if svc is None or container.status != "running":
            continue
        try:
            tagged = client.images.get(svc.image).id
        except docker.errors.ImageNotFound:
            continue
        running = (container.attrs or {}).get("Image")
        if running and running != tagged:
            out.append(fail(f"container {name} runs image {running[7:19]}, but {svc.image} is now "
                            f"{tagged[7:19]}: it still runs the code from before the last build",
                            "recreate it: invoke restart"))
    return out
