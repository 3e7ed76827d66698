"""The only code that starts processes.

Commands are data (`Command`), built by pure functions elsewhere; `Runner.run`
executes one with a timeout, keeps its whole output in a log file, and on a
timeout or Ctrl-C stops the process group and runs the command's cleanup (for
example removing the container a `compose run` started). `DryRunner` records
commands instead of running them: dry-run is decided here, not in the steps.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CommandFailed
from .secrets import Secret, redact

TAIL_LINES = 30


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    env: Mapping[str, str | Secret] = field(default_factory=dict)  # added to the parent env
    cwd: Path | None = None
    timeout_s: float = 600.0
    log_name: str | None = None  # kept under .bootstrap/logs/<log_name>.log
    cleanup: tuple[tuple[str, ...], ...] = ()  # run after a timeout or interrupt
    input: str | None = None

    def shown(self) -> str:
        """The command line as printed: argv only (secrets travel in env, never argv)."""
        return " ".join(_quote(a) for a in self.argv)


def _quote(arg: str) -> str:
    return arg if arg and all(c.isalnum() or c in "-_./:=,@%+" for c in arg) else repr(arg)


@dataclass(frozen=True)
class Result:
    argv: tuple[str, ...]
    returncode: int
    output: str
    duration_s: float
    log_path: Path | None = None

    def tail(self, n: int = TAIL_LINES) -> list[str]:
        return self.output.rstrip("\n").splitlines()[-n:]


class Runner:
    def __init__(
        self,
        log_dir: Path,
        base_env: Mapping[str, str],
        secrets: Sequence[Secret] = (),
        echo: Callable[[str], None] | None = None,  # sees each command line before it runs
    ) -> None:
        self.log_dir = log_dir
        self.base_env = dict(base_env)
        self.secrets = list(secrets)
        self.echo = echo
        self.dry_run = False
        self._live: dict[int, tuple[subprocess.Popen[str], Command]] = {}
        self._live_lock = threading.Lock()

    def _env(self, cmd: Command) -> dict[str, str]:
        env = dict(self.base_env)
        for k, v in cmd.env.items():
            env[k] = v.reveal() if isinstance(v, Secret) else v
        return env

    def run(self, cmd: Command, *, check: bool = True, hint: str | None = None) -> Result:
        if self.echo:
            self.echo(cmd.shown())
        log_path = None
        if cmd.log_name:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log_path = self.log_dir / f"{cmd.log_name}.log"
        started = time.monotonic()
        proc = subprocess.Popen(
            list(cmd.argv),
            cwd=cmd.cwd,
            env=self._env(cmd),
            stdin=subprocess.PIPE if cmd.input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so we can stop all of it
            text=True,
            errors="replace",
        )
        with self._live_lock:
            self._live[proc.pid] = (proc, cmd)
        chunks: list[str] = []
        reader = threading.Thread(target=lambda: chunks.extend(proc.stdout), daemon=True)  # type: ignore[arg-type]
        reader.start()
        if cmd.input is not None:
            assert proc.stdin is not None
            proc.stdin.write(cmd.input)
            proc.stdin.close()
        timed_out = False
        try:
            proc.wait(timeout=cmd.timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            self._stop(proc, cmd)
        except BaseException:  # Ctrl-C: stop the child and what it started, then re-raise
            self._stop(proc, cmd)
            raise
        finally:
            with self._live_lock:
                self._live.pop(proc.pid, None)
        reader.join(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()
        output = redact("".join(chunks), self.secrets)
        if log_path:
            log_path.write_text(f"$ {cmd.shown()}\n{output}")
        result = Result(cmd.argv, proc.returncode if not timed_out else -1, output,
                        time.monotonic() - started, log_path)
        if timed_out or (check and proc.returncode != 0):
            raise CommandFailed(cmd.argv, result.returncode, output_tail=result.tail(),
                                log_path=log_path, hint=hint, timed_out=timed_out)
        return result

    def stop_all(self) -> None:
        """Stop every command still running (in any thread) and run its cleanup: Ctrl-C in lanes."""
        with self._live_lock:
            live = list(self._live.values())
        for proc, cmd in live:
            self._stop(proc, cmd)

    def _stop(self, proc: subprocess.Popen[str], cmd: Command) -> None:
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        for argv in cmd.cleanup:
            subprocess.run(list(argv), env=self.base_env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60, check=False)


class DryRunner(Runner):
    """Records every command it is given and runs none of them."""

    def __init__(self, log_dir: Path, base_env: Mapping[str, str], secrets: Sequence[Secret] = ()) -> None:
        super().__init__(log_dir, base_env, secrets)
        self.dry_run = True
        self.planned: list[str] = []

    def run(self, cmd: Command, *, check: bool = True, hint: str | None = None) -> Result:
        self.planned.append(cmd.shown())
        return Result(cmd.argv, 0, "", 0.0)
