"""Two `ci` runs on one engine at once: isolated projects, both healthy, nothing left behind."""
from __future__ import annotations

import json
import os
import subprocess

import pytest
from demo_kit import BOOTSTRAP, REPO, Demo, remove_images

pytestmark = [pytest.mark.e2e, pytest.mark.docker]


def test_two_ci_runs_in_parallel_do_not_collide(demo: Demo) -> None:
    reports = [demo.root / f"ci-{i}.json" for i in range(2)]
    procs = [subprocess.Popen([*BOOTSTRAP, "ci", "--config", str(demo.config), "--report", str(r)],
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env=dict(os.environ))
             for r in reports]
    outs = [p.communicate(timeout=900)[0] for p in procs]
    data = [json.loads(r.read_text()) for r in reports]
    projects = [d["project"] for d in data]
    try:
        for proc, out in zip(procs, outs):
            assert proc.returncode == 0, out
        assert projects[0] != projects[1]
        for d in data:
            assert d["ok"] and all(s["status"] != "failed" for s in d["steps"])
            assert {"health:api", "health:frontend"} <= {s["name"] for s in d["steps"]}
        for project in projects:  # nothing published on the host: no port collisions possible
            ps = subprocess.run(["docker", "ps", "--filter", f"label=com.docker.compose.project={project}",
                                 "--format", "{{.Ports}}"], capture_output=True, text=True, check=True)
            assert "->" not in ps.stdout
    finally:
        for project in projects:
            subprocess.run([*BOOTSTRAP, "down", "--config", str(demo.config), "--project", project,
                            "--volumes"], cwd=REPO, capture_output=True, text=True, timeout=300)
            remove_images(project)
    for project in projects:
        left = subprocess.run(["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={project}"],
                              capture_output=True, text=True, check=True).stdout.split()
        assert left == []
