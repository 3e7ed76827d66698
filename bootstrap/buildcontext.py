"""A build context as the builder sees it: Docker's .dockerignore rules and the files that remain.

`DockerIgnore` implements Docker's pattern rules (moby/patternmatcher): `**`, `!`
negation, a leading `/` stripped, the last matching pattern wins; a
`<Dockerfile>.dockerignore` beside the Dockerfile takes precedence. `walk_context`
and `ContextIndex` list and look up what survives, for preflight and fingerprints.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

@dataclass(frozen=True)
class _Pattern:
    text: str  # as written, for messages
    negated: bool
    regex: re.Pattern[str]


def _compile(pattern: str) -> re.Pattern[str]:
    """moby/patternmatcher: `**` any number of directories, `*`/`?` never cross `/`."""
    out, i, n = "^", 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if i < n and pattern[i] == "/":
                i += 1
            out += ".*" if i >= n else "(.*/)?"
            continue
        if ch == "*":
            out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "\\" and i + 1 < n:
            i += 1
            out += re.escape(pattern[i])
        elif ch in "[]":
            out += ch
        else:
            out += re.escape(ch)
        i += 1
    try:
        return re.compile(out + "$")
    except re.error:  # an unbalanced [ matches literally, as Go's filepath.Match would fail closed
        return re.compile(re.escape(pattern) + "$")


class DockerIgnore:
    """Docker's .dockerignore rules: the last matching pattern wins, a pattern matching a
    parent directory matches everything under it, `!` re-includes, a leading `/` is dropped."""

    def __init__(self, lines: Sequence[str] = ()) -> None:
        self.patterns: list[_Pattern] = []
        for raw in lines:
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            negated = text.startswith("!")
            body = text[1:].strip() if negated else text
            body = os.path.normpath(body).replace(os.sep, "/") if body else body
            body = body.lstrip("/") or "."
            if body == ".":
                continue  # "." / "/" would exclude the whole context: Docker ignores it too
            self.patterns.append(_Pattern(text, negated, _compile(body)))
        self.has_negations = any(p.negated for p in self.patterns)

    @classmethod
    def for_context(cls, context_dir: Path, dockerfile: Path | None = None) -> DockerIgnore:
        """`<Dockerfile>.dockerignore` beside the Dockerfile wins over `<context>/.dockerignore`."""
        candidates = [dockerfile.with_name(dockerfile.name + ".dockerignore")] if dockerfile else []
        for path in [*candidates, context_dir / ".dockerignore"]:
            if path.is_file():
                return cls(path.read_text(errors="replace").splitlines())
        return cls()

    def matching(self, rel: str) -> _Pattern | None:
        """The pattern that decides `rel` when it ends up excluded, else None."""
        parents = rel.split("/")[:-1]
        decided: _Pattern | None = None
        excluded = False
        for p in self.patterns:
            if p.negated != excluded:  # only an exclusion can flip "kept", only `!` can flip "excluded"
                continue
            hit = bool(p.regex.match(rel)) or any(
                p.regex.match("/".join(parents[: i + 1])) for i in range(len(parents)))
            if hit:
                excluded = not p.negated
                decided = p if excluded else None
        return decided

    def excluded(self, rel: str) -> bool:
        return self.matching(rel) is not None


def walk_context(context_dir: Path, ignore: DockerIgnore, *, skip_git: bool = False,
                 skip: Sequence[Path] = ()) -> Iterator[tuple[str, Path, bool]]:
    """(relative path, path, is_dir) of what the builder receives, sorted, after .dockerignore.
    `skip_git` leaves out .git directories, `skip` more paths (e.g. our own state dir)."""
    skipped = {os.path.abspath(p) for p in skip}

    def walk(directory: Path, prefix: str) -> Iterator[tuple[str, Path, bool]]:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            rel = f"{prefix}{entry.name}"
            if (skip_git and entry.name == ".git") or (skipped and os.path.abspath(entry.path) in skipped):
                continue
            is_dir = entry.is_dir(follow_symlinks=False)
            if ignore.excluded(rel):
                if is_dir and ignore.has_negations:
                    yield from walk(Path(entry.path), rel + "/")  # a `!` may re-include below
                continue
            yield rel, Path(entry.path), is_dir
            if is_dir:
                yield from walk(Path(entry.path), rel + "/")
    yield from walk(context_dir, "")


class ContextIndex:
    """Which paths exist in a build context once .dockerignore has been applied."""

    def __init__(self, context_dir: Path, ignore: DockerIgnore) -> None:
        self.root = context_dir
        self.ignore = ignore
        self.paths: set[str] = set()
        self.dirs: set[str] = set()
        for rel, _path, is_dir in walk_context(context_dir, ignore):
            self.paths.add(rel)
            parts = rel.split("/")
            self.dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
            if is_dir:
                self.dirs.add(rel)

    def exists(self, rel: str) -> bool:
        return rel in (".", "") or rel in self.paths or rel in self.dirs

    def is_dir(self, rel: str) -> bool:
        return rel in (".", "") or rel in self.dirs

    def glob(self, pattern: str) -> list[str]:
        rx = _compile(pattern)
        return sorted(p for p in self.paths if rx.match(p))
