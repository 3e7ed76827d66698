"""A secret is a value that refuses to print itself.

`str()`, `repr()`, f-strings, logging and JSON all see `******`; only
`reveal()` gives the value, and only code that hands it to a server calls it.
"""
from __future__ import annotations

from collections.abc import Iterable

MASK = "******"


class Secret:
    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "") -> None:
        self._value = value
        self.source = source  # where it came from, e.g. "env APP_DB_PASSWORD"

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.source or MASK})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __reduce__(self) -> object:  # never pickle the plaintext
        raise TypeError("Secret values cannot be pickled")


def redact(text: str, secrets: Iterable[Secret | str]) -> str:
    """Replace every occurrence of each secret's plaintext in `text` with the mask."""
    for s in secrets:
        value = s.reveal() if isinstance(s, Secret) else s
        if value and len(value) >= 3:
            text = text.replace(value, MASK)
    return text


def obfuscate_url(url: str) -> str:
    """postgresql://user:pw@host/db -> postgresql://user:******@host/db"""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user, colon, _ = creds.partition(":")
    return f"{scheme}://{user}{':' + MASK if colon else ''}@{host}"
