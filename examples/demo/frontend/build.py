"""The frontend "build": render src/ into dist/, inlining NEXT_PUBLIC_* variables.

Like `next build`, every `process.env.NEXT_PUBLIC_<NAME>` in src/*.js is replaced by the
value the variable has *now* (a Docker build arg), as a JSON string literal. The result
is static: the runtime image has no way to change it. Fails when a referenced variable
is unset or empty, instead of shipping a fallback URL.

    NEXT_PUBLIC_API_URL=https://api.example.com python build.py [src] [dist]
"""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

PATTERN = re.compile(r"process\.env\.(NEXT_PUBLIC_[A-Z0-9_]+)")


def inline(source: str, env: dict[str, str]) -> tuple[str, dict[str, str]]:
    used: dict[str, str] = {}

    def repl(m: re.Match) -> str:
        name = m.group(1)
        value = env.get(name, "").strip()
        if not value:
            raise SystemExit(f"build: {name} is unset or empty. It is inlined into the bundle at build "
                             f"time: pass it as a Docker build arg (compose build.args), not a runtime env var.")
        if name.endswith("_URL"):
            value = value.rstrip("/")
        used[name] = value
        return json.dumps(value)

    return PATTERN.sub(repl, source), used


def build(src: Path, dist: Path, env: dict[str, str]) -> dict[str, str]:
    if dist.exists():
        shutil.rmtree(dist)
    (dist / "static").mkdir(parents=True)
    used: dict[str, str] = {}
    names: dict[str, str] = {}
    for js in sorted(src.glob("*.js")):
        out, u = inline(js.read_text(), env)
        used |= u
        name = js.name  # stable names: /static/app.js (tests fetch it directly)
        (dist / "static" / name).write_text(out)
        names[js.stem.upper() + "_JS"] = name
    for html in sorted(src.glob("*.html")):
        text = html.read_text()
        for key, name in names.items():
            text = text.replace("{{" + key + "}}", name)
        (dist / html.name).write_text(text)
    (dist / "build-info.json").write_text(json.dumps({"inlined": used, "files": sorted(names.values())}, indent=2))
    return used


if __name__ == "__main__":
    args = sys.argv[1:]
    src = Path(args[0] if args else "src")
    dist = Path(args[1] if len(args) > 1 else "dist")
    used = build(src, dist, dict(os.environ))
    for k, v in used.items():
        print(f"build: inlined {k}={v}")
