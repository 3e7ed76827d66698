"""Dockerfile parsing, Docker's .dockerignore rules, and the preflight messages."""
from __future__ import annotations

from pathlib import Path

import pytest

from bootstrap.buildcontext import ContextIndex, DockerIgnore
from bootstrap.dockerfile import expand, instructions, parse, preflight

pytestmark = pytest.mark.unit


def make(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith("/"):
            path.mkdir(exist_ok=True)
        else:
            path.write_text(text)
    return root


# --- parsing -----------------------------------------------------------------------------------

def test_continuations_comments_and_line_numbers() -> None:
    text = ("# a comment\n"
            "FROM python AS base\n"
            "\n"
            "RUN apt-get update \\\n"
            "# a comment inside a continuation\n"
            "    && apt-get install -y curl\n"
            "COPY a \\\n"
            "     b /dst/\n")
    insts = instructions(text)
    assert [(i.line, i.keyword) for i in insts] == [(2, "FROM"), (4, "RUN"), (7, "COPY")]
    assert insts[1].args == "apt-get update && apt-get install -y curl"
    assert insts[2].text == "COPY a b /dst/"


def test_escape_directive_and_heredoc_bodies_are_not_instructions() -> None:
    text = ("# escape=`\n"
            "FROM x\n"
            "RUN echo a `\n"
            "    b\n"
            "RUN <<EOF\n"
            "COPY not-an-instruction /x\n"
            "EOF\n"
            "COPY <<-CONF /etc/app.conf\n"
            "\tkey=1\n"
            "\tCONF\n"
            "WORKDIR /app\n")
    insts = instructions(text)
    assert [i.keyword for i in insts] == ["FROM", "RUN", "RUN", "COPY", "WORKDIR"]
    assert insts[1].args == "echo a b"
    df = parse(text)
    assert len(df.copies) == 1 and df.copies[0].sources == () and df.copies[0].heredoc_sources == ("<<-CONF",)


def test_stages_args_and_variables() -> None:
    text = ("ARG PYTHON_IMAGE=python:3.12-slim\n"
            "ARG APP=api\n"
            "FROM ${PYTHON_IMAGE} AS Builder\n"
            "ARG APP\n"
            "ENV SRC=src/${APP}\n"
            "COPY ${SRC} /app/\n"
            "COPY $MISSING /x/\n"
            "FROM builder\n"
            "COPY --from=builder --chown=app:app [\"/app\", \"/srv/\"]\n")
    df = parse(text, {"PYTHON_IMAGE": "bootstrap-local/python:3-bookworm"})
    assert [(s.name, s.base) for s in df.stages] == [("builder", "bootstrap-local/python:3-bookworm"),
                                                     (None, "builder")]
    assert df.stages[1].parent == 0 and df.stages[1].deps == {0}
    assert df.copies[0].sources == ("src/api",) and df.copies[0].dest == "/app/"
    assert df.copies[1].sources == (None,)  # a variable without a value: not checkable
    assert df.copies[2].from_stage == "builder" and df.copies[2].sources == ("/app",)


def test_expand() -> None:
    v = {"A": "a", "E": ""}
    assert expand("${A}/$A/${A:-x}/${E:-d}/${E-d}/${A:+set}/${E:+set}", v) == "a/a/a/d//set/"
    assert expand("${NOPE:-fallback}", v) == "fallback"
    assert expand("$NOPE", v) is None
    assert expand("\\$A", v) == "$A"


def test_needed_stages_follow_target_from_and_copy_from() -> None:
    text = ("FROM x AS deps\nRUN true\n"
            "FROM x AS unused\nCOPY nothing-here /x\n"
            "FROM deps AS builder\nRUN true\n"
            "FROM x AS final\nCOPY --from=builder /app /app\n")
    df = parse(text)
    assert df.needed_stages() == {0, 2, 3}
    assert df.needed_stages("builder") == {0, 2}


# --- .dockerignore -----------------------------------------------------------------------------

@pytest.mark.parametrize(("patterns", "path", "excluded"), [
    (["node_modules"], "node_modules", True),
    (["node_modules"], "node_modules/react/index.js", True),  # a parent directory matches
    (["node_modules"], "web/node_modules", False),  # patterns are anchored at the root
    (["**/node_modules"], "web/node_modules/x.js", True),
    (["**/node_modules"], "node_modules", True),  # ** matches zero directories too
    (["*.md"], "README.md", True),
    (["*.md"], "docs/a.md", False),  # * never crosses /
    (["**/*.md"], "docs/deep/a.md", True),
    (["docs/**"], "docs/a/b.txt", True),
    (["/build"], "build/x", True),  # a leading / is stripped
    (["./dist/"], "dist/a.js", True),  # cleaned like filepath.Clean
    (["?.txt"], "a.txt", True),
    (["?.txt"], "ab.txt", False),
    (["[ab].txt"], "b.txt", True),
    (["*", "!src"], "src/main.py", False),  # negation re-includes
    (["*", "!src"], "README", True),
    (["*.log", "!keep.log", "keep.log"], "keep.log", True),  # the last match wins
    (["# a comment", "", "   "], "# a comment", False),
    (["a.b"], "axb", False),  # regexp characters are literal
])
def test_dockerignore_rules(patterns: list[str], path: str, excluded: bool) -> None:
    assert DockerIgnore(patterns).excluded(path) is excluded


def test_context_index_applies_negations_below_excluded_directories(tmp_path: Path) -> None:
    make(tmp_path, {"assets/a.png": "", "assets/keep/b.png": "", "src/app.py": "", ".dockerignore": ""})
    index = ContextIndex(tmp_path, DockerIgnore(["assets", "!assets/keep"]))
    assert index.exists("assets/keep/b.png") and index.exists("assets")  # present as a parent
    assert not index.exists("assets/a.png")
    assert index.glob("src/*.py") == ["src/app.py"]


# --- preflight ---------------------------------------------------------------------------------

def test_missing_copy_source_names_file_line_and_fix(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    ctx = make(root / "examples/demo/frontend", {
        "package.json": "{}",
        "Dockerfile": "FROM node\nWORKDIR /app\nCOPY package.json ./\n\nCOPY public ./public\n"})
    problems = preflight("frontend", ctx, ctx / "Dockerfile", root=root)
    assert [str(p) for p in problems] == [
        "frontend: Dockerfile:5: COPY public ./public: 'public' does not exist in the build context "
        "examples/demo/frontend (create it, e.g. public/.gitkeep)"]


def test_excluded_source_names_the_pattern(tmp_path: Path) -> None:
    ctx = make(tmp_path, {"config/app.toml": "", ".dockerignore": "# x\nconfig\n",
                          "Dockerfile": "FROM x\nCOPY config/app.toml /etc/\n"})
    (problem,) = preflight("api", ctx, ctx / "Dockerfile")
    assert "'config/app.toml' is excluded by .dockerignore (pattern 'config'" in problem.reason


def test_wildcards_urls_heredocs_and_unset_variables_are_fine(tmp_path: Path) -> None:
    ctx = make(tmp_path, {"requirements.txt": "", "src/a.py": "", "Dockerfile": (
        "FROM x\nCOPY requirements*.txt ./\nCOPY src/*.py /app/\nADD https://example.com/x.tgz /tmp/\n"
        "COPY <<EOF /etc/x\nhello\nEOF\nCOPY ${UNSET}/x /y\nCOPY ./src/../src /app/src\n")})
    assert preflight("api", ctx, ctx / "Dockerfile") == []
    (ctx / "Dockerfile").write_text("FROM x\nCOPY lib/*.py /app/\n")
    (problem,) = preflight("api", ctx, ctx / "Dockerfile")
    assert problem.line == 2 and "no file matches 'lib/*.py'" in problem.reason


def test_build_args_resolve_paths(tmp_path: Path) -> None:
    ctx = make(tmp_path, {"apps/api/main.py": "", "Dockerfile": "FROM x\nARG APP=web\nCOPY apps/${APP} /app\n"})
    assert [p.line for p in preflight("api", ctx, ctx / "Dockerfile")] == [3]
    assert preflight("api", ctx, ctx / "Dockerfile", build_args={"APP": "api"}) == []


def test_only_stages_the_target_needs_are_checked(tmp_path: Path) -> None:
    ctx = make(tmp_path, {"Dockerfile": "FROM x AS dev\nCOPY dev-only /x\nFROM x AS prod\nRUN true\n"})
    assert preflight("api", ctx, ctx / "Dockerfile", target="prod") == []
    assert len(preflight("api", ctx, ctx / "Dockerfile", target="dev")) == 1
    (problem,) = preflight("api", ctx, ctx / "Dockerfile", target="nope")
    assert "build target 'nope'" in str(problem)


SEED_004 = """\
FROM node:22-alpine AS builder
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM node:22-alpine AS runner
WORKDIR /app
COPY --from=builder /app/.next ./.next
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /usr/local/lib/node_modules /usr/local/lib/node_modules
COPY --from=builder /app/public ./public
"""


def test_seed_004_copy_from_a_stage_that_never_creates_public(tmp_path: Path) -> None:
    ctx = make(tmp_path, {"package.json": "{}", "src/page.tsx": "", ".dockerignore": "node_modules\n.next\n",
                          "Dockerfile": SEED_004})
    (problem,) = preflight("frontend", ctx, ctx / "Dockerfile", root=tmp_path)
    assert problem.line == 13
    assert str(problem).startswith("frontend: Dockerfile:13: COPY --from=builder /app/public ./public: "
                                   "stage 'builder' never creates /app/public")
    assert "create it, e.g. public/.gitkeep" in problem.reason
    make(ctx, {"public/.gitkeep": ""})
    assert preflight("frontend", ctx, ctx / "Dockerfile") == []


def test_copy_from_path_made_by_a_run_that_mentions_it(tmp_path: Path) -> None:
    ctx = make(tmp_path, {"Dockerfile": SEED_004.replace("RUN npm run build", "RUN npm run build && mkdir -p public"),
                          "package.json": "{}"})
    assert preflight("frontend", ctx, ctx / "Dockerfile") == []


def test_copy_from_path_under_a_workdir_or_a_stage_copy(tmp_path: Path) -> None:
    ctx = make(tmp_path, {"Dockerfile": (
        "FROM x AS a\nWORKDIR /out/data\n"
        "FROM x AS b\nCOPY --from=a /out /copied\n"
        "FROM x\nCOPY --from=a /out/data /d\nCOPY --from=b /copied/data /e\n")})
    assert preflight("svc", ctx, ctx / "Dockerfile") == []


def test_missing_dockerfile_or_context(tmp_path: Path) -> None:
    (problem,) = preflight("api", tmp_path / "nope", tmp_path / "nope" / "Dockerfile", root=tmp_path)
    assert str(problem) == "api: Dockerfile: build context nope does not exist"
    (problem,) = preflight("api", tmp_path, tmp_path / "Dockerfile.api")
    assert "Dockerfile not found" in str(problem)


def test_dockerfile_specific_ignore_file_wins(tmp_path: Path) -> None:
    ctx = make(tmp_path, {"a.txt": "", ".dockerignore": "", "api.Dockerfile": "FROM x\nCOPY a.txt /\n",
                          "api.Dockerfile.dockerignore": "a.txt\n"})
    (problem,) = preflight("api", ctx, ctx / "api.Dockerfile")
    assert "excluded by .dockerignore" in problem.reason
