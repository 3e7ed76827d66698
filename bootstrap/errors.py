"""Typed failures. Each carries the data a user needs and maps to one exit code.

They are turned into a message and an exit code in exactly one place
(`bootstrap.cli.exit_on_error`).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

EXIT_OK = 0
EXIT_STEP_FAILED = 1
EXIT_INVALID = 2
EXIT_LOCKED = 3


class BootstrapError(Exception):
    """Base class: `message` says what is wrong, `hint` what to do next."""

    exit_code = EXIT_STEP_FAILED

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(BootstrapError):
    """Invalid configuration or input, found before anything changed (exit 2)."""

    exit_code = EXIT_INVALID


class LockHeld(BootstrapError):
    """Another run holds the project lock (exit 3)."""

    exit_code = EXIT_LOCKED


class StepError(BootstrapError):
    """A step could not converge. Permanent unless raised as `TransientError`."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        output_tail: Sequence[str] = (),
        log_path: Path | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.output_tail = list(output_tail)
        self.log_path = log_path


class TransientError(StepError):
    """A failure worth retrying: connection refused, engine timeout, HTTP 5xx."""


class CommandFailed(StepError):
    """An external command exited non-zero or ran past its timeout."""

    def __init__(
        self,
        argv: Sequence[str],
        returncode: int | None,
        *,
        output_tail: Sequence[str] = (),
        log_path: Path | None = None,
        hint: str | None = None,
        timed_out: bool = False,
    ) -> None:
        shown = " ".join(argv)
        what = f"timed out: {shown}" if timed_out else f"exit {returncode}: {shown}"
        super().__init__(what, hint, output_tail=output_tail, log_path=log_path)
        self.argv = list(argv)
        self.returncode = returncode
        self.timed_out = timed_out
