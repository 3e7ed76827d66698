"""Dockerfile preflight: what a build will need from its context, checked before building.

`parse` reads a Dockerfile the way BuildKit does where it matters here (line
continuations, comments, the escape directive, heredocs, stages, ARG/ENV
substitution). `preflight` then names, by file and line, every COPY/ADD source
missing from the build context (after .dockerignore), and every
`COPY --from=stage /path` whose path that stage visibly never creates (seed 004:
`COPY --from=builder /app/public ./public` with no public/ in the context).
The build context itself (.dockerignore, the files that remain) is `buildcontext`.
"""
from __future__ import annotations

import json
import os
import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .buildcontext import ContextIndex, DockerIgnore

# Directories a build usually generates (npm ci, next build, pip install...): a
# `COPY --from` of one of them is not reported when the stage runs anything at all.
GENERATED = frozenset({"node_modules", ".next", "dist", "build", "out", "target", ".venv", "venv",
                       "__pycache__", ".nuxt", ".output", ".svelte-kit", "coverage", ".cache",
                       "site-packages", "wheels", "lib", "bin", "static", "standalone"})

_VAR = re.compile(r"\\\$|\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")
_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_WILDCARD = re.compile(r"[*?\[]")


# --- parsing --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Instruction:
    line: int  # where it starts, 1-based
    keyword: str  # upper case
    args: str  # continuations joined
    heredocs: tuple[str, ...] = ()  # heredoc names, their bodies skipped

    @property
    def text(self) -> str:
        return f"{self.keyword} {' '.join(self.args.split())}"


@dataclass(frozen=True)
class Copy:
    line: int
    keyword: str  # COPY or ADD
    text: str  # the instruction as written, whitespace collapsed
    sources: tuple[str | None, ...]  # None: uses a build variable with no value
    dest: str | None
    from_stage: str | None  # the --from= value
    stage: int
    heredoc_sources: tuple[str, ...] = ()


@dataclass
class Stage:
    index: int
    name: str | None
    base: str | None  # image or earlier stage name (None when a variable has no value)
    line: int
    parent: int | None = None  # index of the stage it is FROM
    deps: set[int] = field(default_factory=set)  # stages it copies or mounts from
    events: list[tuple[str, int, object]] = field(default_factory=list)  # (kind, line, data)
    env: dict[str, str] = field(default_factory=dict)  # ARG/ENV values at the end of the stage


@dataclass(frozen=True)
class Dockerfile:
    instructions: tuple[Instruction, ...]
    stages: tuple[Stage, ...]
    copies: tuple[Copy, ...]

    def stage_index(self, ref: str) -> int | None:
        return _stage_ref(self.stages, ref)

    def needed_stages(self, target: str | None = None) -> set[int]:
        """The stages BuildKit actually builds for `target` (the last stage when None)."""
        start = self.stage_index(target) if target else len(self.stages) - 1
        todo, seen = ([start] if start is not None and start >= 0 else []), set()
        while todo:
            i = todo.pop()
            if i in seen:
                continue
            seen.add(i)
            s = self.stages[i]
            todo += [d for d in [s.parent, *s.deps] if d is not None]
        return seen


def instructions(text: str) -> list[Instruction]:
    """Logical instructions: comments dropped, continuations joined, heredoc bodies skipped."""
    lines = text.splitlines()
    escape = "\\"
    for raw in lines:  # parser directives sit at the very top
        m = re.match(r"^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$", raw)
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("`", "\\"):
            escape = m.group(2)
    out: list[Instruction] = []
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start, parts = i + 1, []
        while True:
            line = lines[i].rstrip()
            if line.endswith(escape):
                parts.append(line[:-1])
                i += 1
                while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
                    i += 1  # comments and blank lines inside a continuation are dropped
                if i >= len(lines):
                    break
                continue
            parts.append(line)
            i += 1
            break
        joined = " ".join(p.strip() for p in parts).strip()
        keyword, _, args = joined.partition(" ")
        names: list[str] = []
        if keyword.upper() in ("RUN", "COPY", "ADD"):
            for m in _HEREDOC.finditer(args):
                names.append(m.group(3))
                strip_tabs = m.group(1) == "-"
                while i < len(lines):
                    body = lines[i].lstrip("\t") if strip_tabs else lines[i]
                    i += 1
                    if body.rstrip("\r") == m.group(3):
                        break
        out.append(Instruction(start, keyword.upper(), args.strip(), tuple(names)))
    return out


def expand(word: str, variables: Mapping[str, str]) -> str | None:
    """Substitute $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt}; None when a variable has no value."""
    missing = False

    def sub(m: re.Match[str]) -> str:
        nonlocal missing
        if m.group(0) == "\\$":
            return "$"
        name, op, alt = m.group(1) or m.group(4), m.group(2), m.group(3) or ""
        value = variables.get(name)
        if op in (":-", "-"):
            return value if value or (op == "-" and value is not None) else alt
        if op in (":+", "+"):
            return alt if value or (op == "+" and value is not None) else ""
        if value is None:
            missing = True
            return ""
        return value

    result = _VAR.sub(sub, word)
    return None if missing else result


def _words(args: str) -> list[str]:
    if args.startswith("["):
        try:
            parsed = json.loads(args)
            if isinstance(parsed, list) and all(isinstance(w, str) for w in parsed):
                return parsed
        except ValueError:
            pass
    try:
        return shlex.split(args, posix=True)
    except ValueError:
        return args.split()


def parse(text: str, build_args: Mapping[str, str] | None = None) -> Dockerfile:
    build_args = dict(build_args or {})
    insts = instructions(text)
    global_vars: dict[str, str] = {}
    stages: list[Stage] = []
    copies: list[Copy] = []
    scope: dict[str, str] = {}
    for inst in insts:
        kw = inst.keyword
        if kw == "ARG":
            for word in _words(inst.args):
                name, eq, default = word.partition("=")
                target = global_vars if not stages else scope
                if name in build_args:
                    target[name] = build_args[name]
                elif eq:
                    value = expand(default, {**global_vars, **scope})
                    if value is not None:
                        target[name] = value
                elif stages and name in global_vars:
                    target[name] = global_vars[name]
            continue
        if kw == "FROM":
            words = [w for w in _words(inst.args) if not w.startswith("--")]
            base = expand(words[0], global_vars) if words else None
            name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
            stage = Stage(len(stages), name, base, inst.line)
            if base is not None:
                stage.parent = next((s.index for s in stages if s.name == base.lower()), None)
            scope = dict(stages[stage.parent].env) if stage.parent is not None else {}
            stages.append(stage)
            continue
        if not stages:
            continue
        stage = stages[-1]
        if kw == "ENV":
            words = _words(inst.args)
            pairs = ([tuple(w.split("=", 1)) for w in words if "=" in w]
                     if words and "=" in words[0] else [(words[0], " ".join(words[1:]))] if words else [])
            for k, v in pairs:
                value = expand(v, {**global_vars, **scope})
                if value is not None:
                    scope[k] = value
        elif kw == "WORKDIR":
            stage.events.append(("workdir", inst.line, expand(inst.args.strip(), scope)))
        elif kw == "RUN":
            for m in re.finditer(r"--mount=\S*from=([^,\s]+)", inst.args):
                dep = _stage_ref(stages, m.group(1))
                if dep is not None:
                    stage.deps.add(dep)
            stage.events.append(("run", inst.line, inst.args))
        elif kw in ("COPY", "ADD"):
            copy = _copy(inst, stage.index, scope)
            copies.append(copy)
            if copy.from_stage is not None:
                dep = _stage_ref(stages, copy.from_stage)
                if dep is not None:
                    stage.deps.add(dep)
            stage.events.append(("copy", inst.line, copy))
        stage.env = dict(scope)
    return Dockerfile(tuple(insts), tuple(stages), tuple(copies))


def _stage_ref(stages: Sequence[Stage], ref: str) -> int | None:
    for s in stages:
        if s.name == ref.lower():
            return s.index
    return int(ref) if ref.isdigit() and int(ref) < len(stages) else None


def _copy(inst: Instruction, stage: int, scope: Mapping[str, str]) -> Copy:
    rest = inst.args
    flags: dict[str, str] = {}
    while m := re.match(r"--([a-z-]+)(?:=(\S*))?\s*", rest):
        flags[m.group(1)] = m.group(2) or ""
        rest = rest[m.end():]
    words = _words(rest)
    heredocs = tuple(w for w in words[:-1] if w.startswith("<<"))
    srcs = [w for w in words[:-1] if not w.startswith("<<")]
    dest = expand(words[-1], scope) if words else None
    return Copy(inst.line, inst.keyword, inst.text, tuple(expand(s, scope) for s in srcs), dest,
                flags.get("from"), stage, heredocs)


# --- preflight ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    service: str
    file: str  # the Dockerfile as the user knows it, e.g. "Dockerfile"
    line: int
    instruction: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: {self.instruction}: " if self.line else f"{self.file}: "
        return f"{self.service}: {where}{self.reason}"


def preflight(service: str, context_dir: Path, dockerfile: Path, *,
              build_args: Mapping[str, str] | None = None, target: str | None = None,
              root: Path | None = None) -> list[Problem]:
    """Every COPY/ADD in the stages a build of `target` needs that would fail for lack of a file."""
    shown_ctx = _shown(context_dir, root)
    shown_df = _shown(dockerfile, context_dir if _inside(dockerfile, context_dir) else root)
    if not context_dir.is_dir():
        return [Problem(service, shown_df, 0, "", f"build context {shown_ctx} does not exist")]
    if not dockerfile.is_file():
        return [Problem(service, shown_df, 0, "", f"Dockerfile not found (build context {shown_ctx})")]
    df = parse(dockerfile.read_text(errors="replace"), build_args)
    if target and df.stage_index(target) is None:
        return [Problem(service, shown_df, 0, "", f"build target '{target}' is not a stage of it")]
    index = ContextIndex(context_dir, DockerIgnore.for_context(context_dir, dockerfile))
    needed = df.needed_stages(target)
    problems: list[Problem] = []
    for copy in df.copies:
        if copy.stage not in needed:
            continue
        if copy.from_stage is None:
            reasons = [r for src in copy.sources if (r := _context_source(copy, src, index, shown_ctx))]
        else:
            reasons = [r for src in copy.sources if (r := _stage_source(df, copy, src, index, shown_ctx))]
        problems += [Problem(service, shown_df, copy.line, copy.text, r) for r in reasons]
    return problems


def _context_source(copy: Copy, src: str | None, index: ContextIndex, shown_ctx: str) -> str | None:
    if src is None or (copy.keyword == "ADD" and re.match(r"^([a-z0-9+.-]+://|git@)", src)):
        return None  # a build variable without value, or a URL
    rel = _relative(src)
    if _WILDCARD.search(rel):
        return None if index.glob(rel) else f"no file matches '{src}' in the build context {shown_ctx}"
    if index.exists(rel):
        return None
    pattern = index.ignore.matching(rel)
    if pattern is not None and os.path.lexists(index.root / rel):
        return (f"'{src}' is excluded by .dockerignore (pattern '{pattern.text}'; "
                f"remove the pattern or add '!{rel}')")
    hint = f"create it, e.g. {rel}/.gitkeep" if "." not in rel.rsplit("/", 1)[-1] else "create it or fix the path"
    return f"'{src}' does not exist in the build context {shown_ctx} ({hint})"


def _stage_source(df: Dockerfile, copy: Copy, src: str | None, index: ContextIndex,
                  shown_ctx: str) -> str | None:
    stage = df.stage_index(copy.from_stage or "")
    if stage is None or src is None or _WILDCARD.search(src):
        return None  # an image, not a stage; or not knowable statically
    path = _absolute(src)
    missing = _never_created(df, stage, path, index)
    if missing is None:
        return None
    line, ctx_rel = missing
    name = df.stages[stage].name or str(stage)
    hint = f"create it, e.g. {ctx_rel}/.gitkeep" if "." not in ctx_rel.rsplit("/", 1)[-1] else "create it"
    return (f"stage '{name}' never creates {path}: its COPY at line {line} brings no '{ctx_rel}' "
            f"from the build context {shown_ctx} and no RUN mentions it ({hint})")


def _never_created(df: Dockerfile, stage: int, path: str, index: ContextIndex) -> tuple[int, str] | None:
    """(line, context path) when `stage` visibly never creates `path`; None when it does or may."""
    chain: list[Stage] = []
    at: int | None = stage
    while at is not None and at not in [s.index for s in chain]:
        chain.insert(0, df.stages[at])
        at = df.stages[at].parent
    workdir: str | None = "/" if (chain[0].base or "").lower() == "scratch" else None
    base = os.path.basename(path)
    mention = re.compile(rf"(?<![\w.-]){re.escape(base)}(?![\w-])")
    missing: tuple[int, str] | None = None
    ran_after = False
    for kind, line, data in (e for s in chain for e in s.events):
        if kind == "workdir":
            workdir = _resolve(data if isinstance(data, str) else None, workdir)
            if workdir is not None and _is_under(workdir, path):
                return None
        elif kind == "run":
            if path in str(data) or mention.search(str(data)):
                return None
            ran_after = missing is not None
        elif kind == "copy" and isinstance(data, Copy):
            dest = _resolve(data.dest, workdir)
            if dest is None:
                return None  # relative to a WORKDIR only the base image knows
            if _is_under(dest, path):
                return None
            if not _is_under(path, dest):
                continue
            rel = path[len(dest.rstrip("/")) + 1:]
            if data.from_stage is not None or data.heredoc_sources or None in data.sources:
                return None
            supplied, ctx_rel = _supplies(data, rel, index)
            if supplied:
                return None
            missing, ran_after = (line, ctx_rel), False
    if missing is None:
        return None  # nothing visible put anything around it: the base image may have it
    first = missing[1].split("/")[-1]
    if ran_after and (first in GENERATED or index.ignore.excluded(missing[1])):
        return None  # a build output such as node_modules or .next, made by a RUN
    return missing


def _supplies(copy: Copy, rel: str, index: ContextIndex) -> tuple[bool, str]:
    """Does a context COPY into a parent of the path bring `rel` along? Also the context path."""
    ctx_rel = rel
    for src in copy.sources:
        r = _relative(src or ".")
        matches = index.glob(r) if _WILDCARD.search(r) else [r] if index.exists(r) else []
        for m in matches:
            if index.is_dir(m):
                candidate = rel if m in (".", "") else f"{m}/{rel}"
                if index.exists(candidate):
                    return True, candidate
                ctx_rel = candidate if ctx_rel == rel else ctx_rel
            elif rel == m.rsplit("/", 1)[-1]:
                return True, m
    return False, ctx_rel


def _resolve(dest: str | None, workdir: str | None) -> str | None:
    if dest is None:
        return None
    if not dest.startswith("/"):
        if workdir is None:
            return None
        dest = f"{workdir}/{dest}"
    return _absolute(dest)


def _absolute(path: str) -> str:
    return "/" + posixpath.normpath("/" + path.lstrip("/")).lstrip("/")


def _is_under(path: str, ancestor: str) -> bool:
    ancestor = ancestor.rstrip("/")
    return path == ancestor or ancestor == "" or path.startswith(ancestor + "/")


def _relative(src: str) -> str:
    """A COPY source as a context path: leading / and ./ dropped, .. clipped at the root."""
    parts: list[str] = []
    for part in src.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/".join(parts) or "."


def _inside(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
        return True
    except ValueError:
        return False


def _shown(path: Path, root: Path | None) -> str:
    if root is not None and _inside(path, root):
        return path.resolve().relative_to(root.resolve()).as_posix() or "."
    return str(path)
