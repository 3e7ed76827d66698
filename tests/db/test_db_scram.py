"""scram_matches against verifiers PostgreSQL 15 itself computed (ALTER ROLE ... PASSWORD '<plaintext>')."""
from __future__ import annotations

import pytest
from psycopg import sql

from bootstrap.db.scram import parse_verifier, saslprep, scram_matches

# Made by the server from the plaintext on the left (pg_authid.rolpassword), PostgreSQL 15.
SERVER_VERIFIERS = {
    "correct horse battery staple":
        "SCRAM-SHA-256$4096:yYkdI1duTCl3vvldmIWh6A==$M8BGQEWRACaWkMP1AcixmXv0cSCOrWFsreZjg0fhqeU="
        ":9w8M2+IGzdQ4BQJhMrY1OhL60x01OOqviMwNaIeh2yE=",
    "pässwörd":
        "SCRAM-SHA-256$4096:L76uh3lb6EZ/ll0WdupLyw==$cAPWlpiRqbjTzybpQG39sUIk2Pk4L+lS3QrwFLEubh4="
        ":GJK31/K2clnuZqUa+SesPxhkhjykU36RxMrqFFkhHmU=",
    "a\u00a0b":  # non-ASCII space: SASLprep maps it to " "
        "SCRAM-SHA-256$4096:MDiftZ5g+U+OcF2v/VADGg==$W1n0hTU+Qs9tFtYZfJy4AC5F8JMRDr4odOkTA3HEvqc="
        ":bDa8hMct2PlnjojmieMSHwEiCncpM8MrH7zrkhPAsu4=",
    "x\u200by":  # zero-width space: a non-ASCII space before "mapped to nothing"
        "SCRAM-SHA-256$4096:LzTy8mehOsDHeXa7yWhPwA==$EM/gNX2aqLW6G6t3os71vXKECoSE6TGG21MkWKIdGgY="
        ":gtZGw0WODP1oyXl+9S74BgHI08AfqGRt5v++jc2agyI=",
    "\ufb01sh":  # ligature: NFKC makes it "fish"
        "SCRAM-SHA-256$4096:057LbGdZhRLEbdkG0WYWcw==$BkS1vm8BThiA3SmQpZ4WBveQgd6zLUCBilB7qQoMN4M="
        ":kFuyxVBbaibJh0bGV22RQZkaAyWKgwKVe/w7W5BIfmM=",
    "a\ue000b":  # private use: SASLprep refuses it, the raw bytes are hashed
        "SCRAM-SHA-256$4096:04uGhVyo9BRqtt9/yTM/3A==$BnRfMVFTwldDFrfW+BSnSi+GIGgCiD5z+VWQyt4agSQ="
        ":26IdLx5/CK6/O1PDoV7d/yCdyByl3GtLMX/SlC8QI6w=",
}


@pytest.mark.unit
@pytest.mark.parametrize("password", list(SERVER_VERIFIERS))
def test_matches_the_server_verifier(password: str) -> None:
    assert scram_matches(SERVER_VERIFIERS[password], password)


@pytest.mark.unit
@pytest.mark.parametrize("password", list(SERVER_VERIFIERS))
def test_rejects_another_password(password: str) -> None:
    assert not scram_matches(SERVER_VERIFIERS[password], password + "x")
    assert not scram_matches(SERVER_VERIFIERS[password], password.upper() + "!")


@pytest.mark.unit
def test_equivalent_spellings_match_after_saslprep() -> None:
    assert scram_matches(SERVER_VERIFIERS["a\u00a0b"], "a b")
    assert scram_matches(SERVER_VERIFIERS["\ufb01sh"], "fish")
    assert saslprep("ascii \x07 kept") == b"ascii \x07 kept"


@pytest.mark.unit
@pytest.mark.parametrize("text", [
    "", "md5" + "0" * 32, "SCRAM-SHA-256$", "SCRAM-SHA-256$4096:!!$a:b", "SCRAM-SHA-256$x:AA==$AA==:AA==",
    "SCRAM-SHA-256$0:AA==$AA==:AA==",
])
def test_malformed_or_other_verifiers_never_match(text: str) -> None:
    assert not scram_matches(text, "anything")


@pytest.mark.unit
def test_parse_verifier_parts() -> None:
    v = parse_verifier(SERVER_VERIFIERS["pässwörd"])
    assert v is not None and v.iterations == 4096 and len(v.salt) == 16
    assert len(v.stored_key) == len(v.server_key) == 32


@pytest.mark.postgres
def test_matches_a_verifier_the_live_server_computes(dbenv) -> None:
    name = f"scram_live_{dbenv.suffix}"
    with dbenv.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} PASSWORD {}").format(sql.Identifier(name),
                                                                   sql.Literal("Zw\u00f6lf 12")))
        stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (name,)).fetchone()[0]
        client = conn.pgconn.encrypt_password("Zw\u00f6lf 12".encode(), name.encode(), b"scram-sha-256").decode()
    assert scram_matches(stored, "Zw\u00f6lf 12") and not scram_matches(stored, "Zwolf 12")
    assert scram_matches(client, "Zw\u00f6lf 12")
