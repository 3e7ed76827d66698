"""Env files and ${VAR} interpolation, with docker compose's rules."""
from __future__ import annotations

from pathlib import Path

import pytest

from bootstrap.envfile import effective_env, interpolate, parse_env, read_env_file
from bootstrap.errors import ConfigError

pytestmark = pytest.mark.unit


def parse(text: str, **environ: str) -> dict[str, str]:
    return parse_env(text, environ, source=".env")


def test_plain_lines_comments_blank_lines_and_export() -> None:
    text = "# a comment\n\nA=1\nexport B=two\n   # indented comment\nC = spaced \nexport=x\n"
    assert parse(text) == {"A": "1", "B": "two", "C": "spaced", "export": "x"}


def test_unquoted_inline_comment_needs_a_space_before_the_hash() -> None:
    assert parse("A=value # comment\nB=a#b\nC=\n") == {"A": "value", "B": "a#b", "C": ""}


def test_single_quotes_are_literal() -> None:
    assert parse("A='x ${HOME} \\n $$ # not a comment'", HOME="/root") == {
        "A": "x ${HOME} \\n $$ # not a comment"}


def test_double_quotes_unescape_and_interpolate() -> None:
    text = 'A="line1\\nline2 \\"q\\" back\\\\slash \\$NOT ${USER}" # trailing comment\n'
    assert parse(text, USER="ann") == {"A": 'line1\nline2 "q" back\\slash $NOT ann'}


def test_quoted_values_may_span_lines_and_keep_hash() -> None:
    assert parse('A="one\ntwo # kept"\nB=2\n') == {"A": "one\ntwo # kept", "B": "2"}


def test_yaml_style_separator_and_crlf_line_endings() -> None:
    assert parse("A: 1\r\nB=\"2\"\r\n") == {"A": "1", "B": "2"}


def test_references_to_earlier_keys_then_the_environment() -> None:
    text = "HOST=db\nURL=postgresql://$USER@${HOST}:5432\nOTHER=${HOST}-$MISSING-\n"
    assert parse(text, USER="ann", HOST="shell-host") == {
        "HOST": "db", "URL": "postgresql://ann@db:5432", "OTHER": "db--"}


@pytest.mark.parametrize(("expr", "expected"), [
    ("${UNSET:-d}", "d"), ("${EMPTY:-d}", "d"), ("${SET:-d}", "v"),
    ("${UNSET-d}", "d"), ("${EMPTY-d}", ""), ("${SET-d}", "v"),
    ("${SET:+alt}", "alt"), ("${EMPTY:+alt}", ""), ("${EMPTY+alt}", "alt"), ("${UNSET+alt}", ""),
    ("${UNSET:-${SET}x}", "vx"), ("$$SET", "$SET"), ("a$$b", "a$b"), ("$SET.$SET", "v.v"),
    ("${EMPTY?m}", ""),
])
def test_interpolation_operators(expr: str, expected: str) -> None:
    assert interpolate(expr, {"SET": "v", "EMPTY": ""}) == expected


def test_required_variable_names_the_variable_and_message() -> None:
    with pytest.raises(ConfigError) as info:
        interpolate("${DB_PASSWORD:?set it in .env}", {"DB_PASSWORD": ""})
    assert str(info.value) == "required variable DB_PASSWORD is missing a value: set it in .env"
    with pytest.raises(ConfigError, match="required variable X is missing a value$"):
        interpolate("${X?}", {})


def test_default_is_not_evaluated_when_the_variable_is_set() -> None:
    assert interpolate("${A:-${B:?never}}", {"A": "a"}) == "a"


@pytest.mark.parametrize("text", ["cost 5$", "${A", "${not valid}", "$ {A}"])
def test_invalid_interpolation_is_an_error(text: str) -> None:
    with pytest.raises(ConfigError, match="invalid interpolation"):
        interpolate(text, {"A": "x"})


def test_required_error_in_env_file_names_file_line_and_key() -> None:
    with pytest.raises(ConfigError) as info:
        parse("A=1\n\nB=${NOPE:?add NOPE to .env}\n")
    assert str(info.value) == ".env:3: B: required variable NOPE is missing a value: add NOPE to .env"


def test_bare_key_inherits_from_the_environment() -> None:
    assert parse("A\nB\nC=3\n", A="from-shell") == {"A": "from-shell", "C": "3"}


@pytest.mark.parametrize(("text", "line", "what"), [
    ("A=1\nBAD KEY=hunter2secret\n", 2, "expected KEY=VALUE"),
    ("A='hunter2secret\n", 1, "A: unterminated ' quoted value"),
    ('A="hunter2secret" hunter2secret\n', 1, "A: unexpected text after the closing quote"),
    ("A=hunter2secret$\n", 1, "A: invalid interpolation"),
])
def test_syntax_errors_name_the_line_but_never_the_value(text: str, line: int, what: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert str(info.value).startswith(f".env:{line}: {what}")
    assert "hunter2" not in str(info.value)


def test_read_env_file_uses_the_environment_and_strips_a_bom(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("\ufeffA=${HOME_DIR}/x\n", encoding="utf-8")
    assert read_env_file(path, {"HOME_DIR": "/h"}) == {"A": "/h/x"}
    with pytest.raises(ConfigError, match="env file not found"):
        read_env_file(tmp_path / "missing.env")


def test_effective_env_puts_the_process_environment_on_top(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=file\nB=file\n", encoding="utf-8")
    assert effective_env(path, {"B": "shell", "C": "shell"}) == {"A": "file", "B": "shell", "C": "shell"}
    assert effective_env(None, {"C": "shell"}) == {"C": "shell"}
