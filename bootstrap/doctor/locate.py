"""Where a compose key is written: `docker-compose.yml:42`, for messages.

Values come from the compose model (`compose config`, the truth); this only
finds the line a user should edit. It reads the raw YAML node tree, so anchors
(`<<: *api-env`) point at the line where the value is actually written, and the
last file that sets a key wins, as in compose's merge.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import yaml


class _Loader(yaml.SafeLoader):
    """Compose tags such as !reset / !override compose like plain nodes."""


def _node(path: Path) -> yaml.Node | None:
    try:
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - SafeLoader
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    for k, v in _pairs(node):
        if k.value == key:
            return v
    return None


def _pairs(node: yaml.Node | None) -> Iterator[tuple[yaml.ScalarNode, yaml.Node]]:
    """Key/value pairs of a mapping, `<<` merges followed (explicit keys first, as YAML does)."""
    if not isinstance(node, yaml.MappingNode):
        return
    merges: list[yaml.Node] = []
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == "<<":
            merges += v.value if isinstance(v, yaml.SequenceNode) else [v]
        elif isinstance(k, yaml.ScalarNode):
            yield k, v
    for merged in merges:
        yield from _pairs(merged)


def _entry_line(node: yaml.Node | None, key: str) -> int | None:
    """Line (1-based) of `key` in a mapping or a `- KEY=value` list."""
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.ScalarNode) and item.value.split("=", 1)[0] == key:
                return int(item.start_mark.line) + 1
        return None
    for k, _ in _pairs(node):
        if k.value == key:
            return int(k.start_mark.line) + 1
    return None


def locate(files: Sequence[Path], service: str, section: Sequence[str], key: str,
           root: Path | None = None) -> str | None:
    """`file:line` of services.<service>.<section...>.<key> in the last file that sets it."""
    for path in reversed(list(files)):
        node = _get(_get(_node(path), "services"), service)
        for part in section:
            node = _get(node, part)
        line = _entry_line(node, key)
        if line is not None:
            return f"{shown(path, root)}:{line}"
    return None


def shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return str(path)
