"""Env files and `${VAR}` interpolation, read with docker compose's rules.

The parser follows compose-go's dotenv package (what `docker compose --env-file`
uses), so the values bootstrap sees are the values compose will see:

- `KEY=VALUE` or `KEY: VALUE`, an optional `export ` prefix, blank lines and
  `#` comment lines; a bare `KEY` takes KEY from the process environment.
- `'single quoted'` values are literal (only `\\'` is unescaped), may span lines.
- `"double quoted"` values unescape `\\n \\r \\t \\" \\\\ \\$`, then interpolate.
- unquoted values end at the newline or at ` #`, are trimmed, then interpolate.
- interpolation: `${VAR}`, `$VAR`, `${VAR:-default}`, `${VAR-default}`,
  `${VAR:?message}`, `${VAR?message}`, `${VAR:+alt}`, `${VAR+alt}`; defaults may
  nest (`${A:-${B}}`); `$$` is a literal `$`. In an env file a name resolves to
  an earlier key of the same file first, then to the process environment.

Error messages name the file, line and key but never echo a value: env files
hold passwords.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

from .errors import ConfigError

Lookup = Callable[[str], str | None]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BRACED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?\Z", re.S)
_STATEMENT = re.compile(
    r"(?:export[ \t]+)?(?P<key>[A-Za-z0-9_.\[\]-]+)[ \t]*(?P<sep>[=:]|(?=\r?\n|\Z))[ \t]*"
)
_ESCAPES = re.compile(r"\\([abfnrtv$\"\\])")
_ESCAPED = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            "$": "$$", '"': '"', "\\": "\\"}


class InterpolationError(ValueError):
    """A `${...}` expression that cannot be resolved; the message names no value."""


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Resolve compose-file-style `${...}` references in `text` against `env`.

    Unset variables without a default become "" (compose warns and does the same).
    `${VAR:?msg}` with VAR unset or empty raises ConfigError naming VAR and msg.
    """
    try:
        return substitute(text, env.get)
    except InterpolationError as exc:
        raise ConfigError(str(exc)) from None


def substitute(text: str, lookup: Lookup) -> str:
    """Interpolate `text`, asking `lookup(name)` for each variable (None = unset)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        dollar = text.find("$", i)
        if dollar < 0:
            out.append(text[i:])
            break
        out.append(text[i:dollar])
        nxt = text[dollar + 1: dollar + 2]
        if nxt == "$":
            out.append("$")
            i = dollar + 2
        elif nxt == "{":
            end = _closing_brace(text, dollar + 2)
            out.append(_braced(text[dollar + 2:end], lookup))
            i = end + 1
        elif match := _NAME.match(text, dollar + 1):
            out.append(lookup(match.group()) or "")
            i = match.end()
        else:
            raise InterpolationError(
                "invalid interpolation: '$' must be followed by a name or '{'; write $$ for a literal $")
    return "".join(out)


def _closing_brace(text: str, start: int) -> int:
    depth, j = 1, start
    while j < len(text):
        if text.startswith("$$", j):
            j += 2
            continue
        if text.startswith("${", j):
            depth, j = depth + 1, j + 2
            continue
        if text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    raise InterpolationError("invalid interpolation: '${' without a closing '}'")


def _braced(inner: str, lookup: Lookup) -> str:
    match = _BRACED.match(inner)
    if not match:
        raise InterpolationError(
            "invalid interpolation: expected ${NAME}, ${NAME:-default} or ${NAME:?message}")
    name, op, rest = match.group(1), match.group(2), match.group(3) or ""
    value = lookup(name)
    present = bool(value) if op and op.startswith(":") else value is not None
    if op is None:
        return value or ""
    if op in (":-", "-"):
        return value if present and value is not None else substitute(rest, lookup)
    if op in (":+", "+"):
        return substitute(rest, lookup) if present else ""
    if not present:  # ":?" or "?"
        message = substitute(rest, lookup)
        suffix = f": {message}" if message else ""
        raise InterpolationError(f"required variable {name} is missing a value{suffix}")
    return value or ""


def read_env_file(path: Path, environ: Mapping[str, str] | None = None, *,
                  label: str | None = None) -> dict[str, str]:
    """Parse the env file at `path`; `environ` is the process environment for `${...}`.

    Errors name the file as `label` (default: the path as given) and the line.
    """
    label = label or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{label}: env file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{label}: cannot read env file ({type(exc).__name__})") from None
    return parse_env(text, environ or {}, source=label)


def effective_env(env_file: Path | None, environ: Mapping[str, str], *,
                  label: str | None = None) -> dict[str, str]:
    """What compose sees: `env_file`'s values with the process environment on top."""
    values = read_env_file(env_file, environ, label=label) if env_file is not None else {}
    return {**values, **environ}


def parse_env(text: str, environ: Mapping[str, str], *, source: str = "<env>") -> dict[str, str]:
    """Parse env-file `text` (see the module docstring for the rules)."""
    out: dict[str, str] = {}

    def lookup(name: str) -> str | None:
        return out[name] if name in out else environ.get(name)

    def fail(pos: int, what: str) -> ConfigError:
        return ConfigError(f"{source}:{text.count(chr(10), 0, pos) + 1}: {what}")

    pos, n = 0, len(text)
    while True:
        pos = _next_statement(text, pos)
        if pos >= n:
            return out
        match = _STATEMENT.match(text, pos)
        if not match:
            raise fail(pos, "expected KEY=VALUE (key characters: letters, digits, '_', '.', '-')")
        key, start = match.group("key"), match.end()
        if not match.group("sep"):  # bare KEY: inherit from the process environment
            if key in environ:
                out[key] = environ[key]
            pos = start
            continue
        quote = text[start:start + 1]
        try:
            if quote in ("'", '"'):
                raw, pos = _quoted(text, start, quote)
                if pos < 0:
                    raise fail(start, f"{key}: unterminated {quote} quoted value")
                rest_end = _line_end(text, pos)
                rest = text[pos:rest_end].strip()
                if rest and not rest.startswith("#"):
                    raise fail(pos, f"{key}: unexpected text after the closing quote")
                pos = rest_end
                if quote == "'":
                    out[key] = raw
                else:
                    unescaped = _ESCAPES.sub(lambda m: _ESCAPED[m.group(1)], raw)
                    out[key] = substitute(unescaped, lookup)
            else:
                end = _line_end(text, start)
                value = text[start:end].split(" #", 1)[0].rstrip()
                out[key] = substitute(value, lookup)
                pos = end
        except InterpolationError as exc:
            raise fail(start, f"{key}: {exc}") from None


def _next_statement(text: str, pos: int) -> int:
    """Skip whitespace, blank lines and comment lines; return where the next statement starts."""
    n = len(text)
    while pos < n:
        if text[pos].isspace():
            pos += 1
        elif text[pos] == "#":
            pos = _line_end(text, pos)
        else:
            break
    return pos


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _quoted(text: str, start: int, quote: str) -> tuple[str, int]:
    """Raw value between the quote at `start` and its closing quote, and the index after it.

    An escaped quote drops its backslash; any other escape keeps it (as compose does).
    Returns ("", -1) when the quote is not closed.
    """
    chars: list[str] = []
    escaped = False
    for i in range(start + 1, len(text)):
        char = text[i]
        if escaped:
            escaped = False
            chars.append(char if char == quote else "\\" + char)
        elif char == "\\":
            escaped = True
        elif char == quote:
            return "".join(chars), i + 1
        else:
            chars.append(char)
    return "", -1
