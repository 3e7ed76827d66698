"""bootstrap: a docker-compose application from nothing to healthy, with one command, safely, again and again."""

__version__ = "0.1.0"
