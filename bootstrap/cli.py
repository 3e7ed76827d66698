"""`bootstrap <task>`: the same tasks as an invoke Program, for projects without a tasks.py."""
from __future__ import annotations

from invoke import Program

from . import __version__
from .tasks import ns

program = Program(namespace=ns, version=__version__, name="bootstrap", binary="bootstrap")


def main() -> None:
    program.run()


if __name__ == "__main__":
    main()
