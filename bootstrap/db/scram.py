"""SCRAM-SHA-256 verifiers (RFC 5802 / RFC 7677), as PostgreSQL stores them.

PostgreSQL keeps `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` in
`pg_authid.rolpassword`. `scram_matches` recomputes both keys from a candidate
password with the stored salt and iteration count, which tells whether a role's
password already is the configured one without sending anything to the server.
The password is SASLprep-normalised first, exactly as libpq and the server do
(`src/common/saslprep.c`): pure ASCII is used as is, a string SASLprep rejects
is used as raw UTF-8 bytes.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import stringprep
import unicodedata
from dataclasses import dataclass

PREFIX = "SCRAM-SHA-256$"


@dataclass(frozen=True)
class Verifier:
    iterations: int
    salt: bytes
    stored_key: bytes
    server_key: bytes


def parse_verifier(text: str) -> Verifier | None:
    """The parts of a stored SCRAM-SHA-256 verifier, or None when `text` is not one."""
    if not text.startswith(PREFIX):
        return None
    try:
        iter_salt, keys = text[len(PREFIX):].split("$", 1)
        iterations, salt = iter_salt.split(":", 1)
        stored, server = keys.split(":", 1)
        return Verifier(int(iterations), base64.b64decode(salt, validate=True),
                        base64.b64decode(stored, validate=True), base64.b64decode(server, validate=True))
    except (ValueError, binascii.Error):
        return None


def saslprep(password: str) -> bytes:
    """The bytes PostgreSQL hashes for `password` (SASLprep, stored-strings profile)."""
    raw = password.encode("utf-8")
    if password.isascii():
        return raw
    prepped = _saslprep(password)
    return raw if prepped is None else prepped.encode("utf-8")


def _saslprep(text: str) -> str | None:
    # 1. map: non-ASCII spaces to a space (first, as the server does: U+200B is in both
    #    tables), then "commonly mapped to nothing" removed
    mapped = "".join(" " if stringprep.in_table_c12(c) else "" if stringprep.in_table_b1(c) else c
                     for c in text)
    # 2. normalise
    norm = unicodedata.normalize("NFKC", mapped)
    if not norm:
        return None
    # 3. prohibited output and unassigned code points (stored strings)
    prohibited = (stringprep.in_table_c12, stringprep.in_table_c21, stringprep.in_table_c22,
                  stringprep.in_table_c3, stringprep.in_table_c4, stringprep.in_table_c5,
                  stringprep.in_table_c6, stringprep.in_table_c7, stringprep.in_table_c8,
                  stringprep.in_table_c9, stringprep.in_table_a1)
    if any(test(c) for c in norm for test in prohibited):
        return None
    # 4. bidirectional characters (RFC 3454 section 6)
    if any(stringprep.in_table_d1(c) for c in norm):
        if any(stringprep.in_table_d2(c) for c in norm):
            return None
        if not (stringprep.in_table_d1(norm[0]) and stringprep.in_table_d1(norm[-1])):
            return None
    return norm


def scram_keys(password: str, salt: bytes, iterations: int) -> tuple[bytes, bytes]:
    """(StoredKey, ServerKey) for `password` with this salt and iteration count."""
    salted = hashlib.pbkdf2_hmac("sha256", saslprep(password), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return hashlib.sha256(client_key).digest(), server_key


def scram_matches(verifier: str, password: str) -> bool:
    """True when the stored `verifier` was made from `password`."""
    parsed = parse_verifier(verifier)
    if parsed is None or parsed.iterations <= 0:
        return False
    stored, server = scram_keys(password, parsed.salt, parsed.iterations)
    return hmac.compare_digest(stored, parsed.stored_key) and hmac.compare_digest(server, parsed.server_key)


__all__ = ["Verifier", "parse_verifier", "saslprep", "scram_keys", "scram_matches"]
