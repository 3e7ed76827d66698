"""Check psql-vars: psql variables inside dollar-quoted bodies (seed 004 issue 3).

psql substitutes `:name`, `:'name'` and `:"name"` everywhere except inside
quoted text, and a `DO $$ ... $$` (or function) body is quoted text: the
variable reaches the server verbatim and fails with `syntax error at or near
":"`. The fix is to hand the value over through the session configuration:
`SELECT set_config('var.name', :'name', false);` before the block and
`current_setting('var.name')` inside it.

The scanner is a small lexer, not a regex: comments, string literals, quoted
identifiers, `::` casts, `:=` assignments and array slices are not variables.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .finding import Verdict, fail, ok
from .model import doctor_config

if TYPE_CHECKING:
    from ..context import Context

_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUOTED_VAR = re.compile(r"""(['"])([A-Za-z_][A-Za-z0-9_]*)\1""")
_DO = re.compile(r"(?:^|;)\s*DO(?:\s+LANGUAGE\s+\w+)?\s*\Z", re.I | re.S)
SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", ".bootstrap",
                       ".mypy_cache", ".pytest_cache", ".ruff_cache", "dist", "build"})


@dataclass(frozen=True)
class PsqlVarUse:
    path: Path
    line: int
    var: str  # as written: :'name', :"name" or :name
    name: str
    block: str  # "DO block" or "dollar-quoted body"
    block_line: int


def _skip_comment_or_literal(text: str, i: int) -> int:
    """If a comment, string literal or quoted identifier starts at `i`, the index after it; else i."""
    if text.startswith("--", i):
        end = text.find("\n", i)
        return len(text) if end < 0 else end
    if text.startswith("/*", i):
        depth, j = 1, i + 2
        while j < len(text) and depth:
            if text.startswith("/*", j):
                depth, j = depth + 1, j + 2
            elif text.startswith("*/", j):
                depth, j = depth - 1, j + 2
            else:
                j += 1
        return j
    char = text[i]
    if char in "'\"":
        escapes = char == "'" and i > 0 and text[i - 1] in "eE" and (i < 2 or not _ident(text[i - 2]))
        j = i + 1
        while j < len(text):
            if escapes and text[j] == "\\":
                j += 2
                continue
            if text[j] == char:
                if text.startswith(char * 2, j):  # '' or "" inside the literal
                    j += 2
                    continue
                return j + 1
            j += 1
        return len(text)
    return i


def _ident(char: str) -> bool:
    return char.isalnum() or char in "_$"


def dollar_bodies(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) of each top-level dollar-quoted body in `text`."""
    i, n = 0, len(text)
    stmt_start = 0
    while i < n:
        j = _skip_comment_or_literal(text, i)
        if j != i:
            i = j
            continue
        char = text[i]
        if char == ";":
            stmt_start = i + 1
        elif char == "$" and (i == 0 or not _ident(text[i - 1])):
            match = _TAG.match(text, i)
            if match:
                close = text.find(match.group(), match.end())
                end = n if close < 0 else close
                before = _strip_comments(text[stmt_start:i])
                kind = "DO block" if _DO.search(before) else "dollar-quoted body"
                yield match.end(), end, kind
                i = n if close < 0 else close + len(match.group())
                stmt_start = stmt_start if close >= 0 else n
                continue
        i += 1


def _strip_comments(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        j = _skip_comment_or_literal(text, i)
        if j != i:
            out.append(" " if text.startswith(("--", "/*"), i) else text[i:j])
            i = j
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def psql_vars_in(text: str, start: int, end: int) -> Iterator[tuple[int, str, str]]:
    """(offset, as written, name) of each psql variable reference in text[start:end]."""
    i, depth = start, 0
    while i < end:
        char = text[i]
        if char == ":" and i + 1 < end:
            nxt = text[i + 1]
            if nxt == ":":  # a ::cast
                i += 2
                continue
            quoted = _QUOTED_VAR.match(text, i + 1, end)
            if quoted:
                yield i, text[i:quoted.end()], quoted.group(2)
                i = quoted.end()
                continue
            name = _NAME.match(text, i + 1, end)
            if name and depth == 0 and (i == start or text[i - 1] != ":"):
                yield i, text[i:name.end()], name.group()
                i = name.end()
                continue
            i += 1
            continue
        j = _skip_comment_or_literal(text, i)
        if j != i:
            i = min(j, end)
            continue
        depth += {"[": 1, "]": -1}.get(char, 0)
        depth = max(depth, 0)
        i += 1


def scan_sql(path: Path, text: str | None = None) -> list[PsqlVarUse]:
    text = path.read_text(encoding="utf-8", errors="replace") if text is None else text
    found: list[PsqlVarUse] = []
    for start, end, kind in dollar_bodies(text):
        block_line = text.count("\n", 0, start) + 1
        for offset, written, name in psql_vars_in(text, start, end):
            found.append(PsqlVarUse(path, text.count("\n", 0, offset) + 1, written, name, kind, block_line))
    return found


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A `**`-aware glob (relative, '/'-separated) as a regex over relative posix paths."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def sql_files(root: Path, patterns: Iterable[str]) -> list[Path]:
    """Files under `root` matching any pattern; skips VCS, virtualenv and dependency folders."""
    regexes = [glob_regex(p.lstrip("./") if p.startswith("./") else p) for p in patterns]
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        rel_folder = Path(folder).relative_to(root).as_posix()
        for name in sorted(files):
            rel = name if rel_folder == "." else f"{rel_folder}/{name}"
            if any(rx.match(rel) for rx in regexes):
                found.append(Path(folder) / name)
    return found


def fix_for(use: PsqlVarUse) -> str:
    setting = f"var.{use.name}"
    return (f"before the block: SELECT set_config('{setting}', :'{use.name}', false); "
            f"inside it: current_setting('{setting}') instead of {use.var}")


def check_psql_vars(ctx: Context) -> Iterable[Verdict]:
    cfg = doctor_config(ctx.config)
    root = ctx.config.root
    files = sql_files(root, cfg.sql_files)
    uses = [use for path in files for use in scan_sql(path)]
    if not uses:
        shown = ", ".join(cfg.sql_files)
        return [ok(f"{len(files)} SQL file(s) matching {shown}: no psql variable inside a dollar-quoted body")]
    return [fail(f"{_rel(u.path, root)}:{u.line}: psql variable {u.var} inside the {u.block} opened on "
                 f"line {u.block_line}; psql does not interpolate inside $$ quotes", fix_for(u))
            for u in uses]


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
