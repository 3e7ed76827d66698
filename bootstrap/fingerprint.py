"""What an image is built from, as one sha256: the image is current iff its label equals it.

Inputs: every file the builder would receive (after .dockerignore; `.git` and
bootstrap's own state dir skipped, so logs written during a run never make it stale):
its relative path, executable bit and content; empty directories; symlink targets;
the Dockerfile (wherever it lives); the resolved build args; the target stage.
Contents are read in chunks, so large files cost I/O, not memory.
"""
from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path

from .buildcontext import DockerIgnore, walk_context

LABEL = "dev.bootstrap.fingerprint"
_CHUNK = 1 << 20


def fingerprint(context_dir: Path, dockerfile: Path, build_args: Mapping[str, str] | None = None,
                target: str | None = None, *, skip: Sequence[Path] = ()) -> str:
    """`skip`: paths inside the context that are not build inputs (bootstrap's own .bootstrap dir)."""
    h = hashlib.sha256()

    def field(*parts: str | bytes) -> None:
        for part in parts:
            data = part.encode() if isinstance(part, str) else part
            h.update(len(data).to_bytes(8, "big"))
            h.update(data)

    field("bootstrap-fingerprint-v1")
    ignore = DockerIgnore.for_context(context_dir, dockerfile)
    for rel, path, is_dir in walk_context(context_dir, ignore, skip_git=True, skip=skip):
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            field("link", rel, os.readlink(path))
        elif is_dir:
            field("dir", rel)
        elif stat.S_ISREG(st.st_mode):
            field("file", rel, "x" if st.st_mode & 0o111 else "-")
            _file_content(h, path)
    field("dockerfile")
    _file_content(h, dockerfile)
    for key in sorted(build_args or {}):
        field("arg", key, (build_args or {})[key])
    field("target", target or "")
    return h.hexdigest()


def _file_content(h: "hashlib._Hash", path: Path) -> None:
    try:
        size = path.stat().st_size
        h.update(size.to_bytes(8, "big"))
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
    except OSError as exc:  # unreadable: still changes the hash, and the build will say why
        h.update(f"unreadable:{exc.errno}".encode())
