"""verify:<service>: imports in a throwaway container; forbidden strings named by file (prod only)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bootstrap.config import ForbidStrings, ImageConfig
from bootstrap.engine import Status
from bootstrap.steps.build import Build
from bootstrap.steps.verify import Verify

if TYPE_CHECKING:
    from conftest import Project

pytestmark = pytest.mark.docker


def test_imports_ok(built: Project) -> None:
    ctx = built.ctx(images={"api": ImageConfig(verify_imports=("json", "http.server", "static"))})
    result = built.step(Verify("api"), ctx)
    assert result.status is Status.OK and result.detail == "3 imports ok", result
    assert built.containers() == [] and not built.client.containers.list(
        all=True, filters={"label": "dev.bootstrap.verify"})


def test_a_verified_image_is_not_run_again_until_something_changes(built: Project) -> None:
    ctx = built.ctx(images={"api": ImageConfig(verify_imports=("json",))})
    assert built.step(Verify("api"), ctx).detail == "1 import ok"
    again = built.step(Verify("api"), ctx)
    assert again.status is Status.OK and "verified before" in again.detail
    more = built.ctx(images={"api": ImageConfig(verify_imports=("json", "no_such_module"))})
    assert built.step(Verify("api"), more).status is Status.FAILED  # a new module: checked for real


def test_a_missing_module_is_named_with_python_and_sys_path(built: Project) -> None:
    ctx = built.ctx(images={"api": ImageConfig(verify_imports=("json", "alembic", "server_helpers"))})
    result = built.step(Verify("api"), ctx)
    assert result.status is Status.FAILED
    assert result.detail.startswith(f"2 of 3 imports fail in image {built.name}-api: alembic "
                                    "(ModuleNotFoundError: No module named 'alembic')"), result.detail
    assert "server_helpers: ModuleNotFoundError: No module named 'server_helpers'" in result.output_tail
    assert any(line.startswith("python 3.") for line in result.output_tail)
    assert "sys.path:" in result.output_tail and "  /usr/lib/python3/dist-packages" in result.output_tail


def test_forbid_strings_name_the_file_in_prod_only(built: Project) -> None:
    image = ImageConfig(forbid_strings=ForbidStrings(path="/app", strings=("localhost:3000", "never-there")))
    dev = built.step(Verify("api"), built.ctx(images={"api": image}))
    assert dev.status is Status.OK and dev.detail == "nothing to verify"

    prod = built.step(Verify("api"), built.ctx(images={"api": image}, prod=True))
    assert prod.status is Status.FAILED
    assert "'localhost:3000' in /app/static/bundle.js" in prod.detail, prod.detail
    assert "never-there" not in prod.detail

    (built.root / "api" / "static" / "bundle.js").write_text('const API_URL = "https://api.example";\n')
    assert built.step(Build("api")).status is Status.CHANGED
    clean = built.step(Verify("api"), built.ctx(images={"api": image}, prod=True))
    assert clean.status is Status.OK and "none of 2 forbidden strings under /app" in clean.detail
