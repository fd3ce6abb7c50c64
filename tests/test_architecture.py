"""The architecture holds: the import-linter contracts of pyproject.toml, a domain that runs
without a web framework, and commits only through the unit of work.

The contracts (`[tool.importlinter]`) are the layers, the ban on web frameworks in the domain
and the pure libraries, and no import cycles between packages; `lint-imports` in a shell prints
the same report. The second test imports every pure module in a fresh interpreter, since the
contracts see imports as written and this sees what is loaded.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What a module of the domain may not load: the web tier, HTTP clients and the queue.
WEB = ("flask", "flask_babel", "flask_limiter", "flask_login", "flask_smorest", "flask_sqlalchemy",
       "flask_talisman", "flask_wtf", "werkzeug", "requests", "httpx", "twilio", "rq", "redis")
# The modules that call `.commit()` themselves, each for a reason docs/architecture.md gives:
# the unit of work; the intake committed before its id is queued; the outbox's send protocol
# (claim, then result); sign-in and sign-out. Everything else ends with the unit of work.
COMMITTERS = {"hotline/app/unit_of_work.py", "hotline/intake/accept.py",
              "hotline/messaging/outbox.py", "hotline/identity/auth.py"}


def _pure_modules() -> list[str]:
    names = []
    for package in ("hotline.domain", "routing", "classifier"):
        path = ROOT.joinpath(*package.split("."))
        names.append(package)
        names += [f"{package}.{m.name}" for m in pkgutil.iter_modules([str(path)])
                  if m.name != "__main__"]
    return names


def test_import_contracts_are_kept() -> None:
    # In a child process: import-linter reconfigures logging, which would silence the loggers
    # later tests read (caplog).
    check = "import sys; from importlinter import cli; sys.exit(cli.lint_imports(no_cache=True))"
    run = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout


def test_pure_modules_load_no_web_framework() -> None:
    # One fresh interpreter imports them in turn and notes what each newly loads that it must not.
    probe = (f"import importlib, json, sys\nloaded = {{}}\n"
             f"for name in {_pure_modules()!r}:\n"
             f"    importlib.import_module(name)\n"
             f"    web = sorted(m for m in sys.modules if m.split('.')[0] in {WEB!r})\n"
             f"    if web: loaded[name] = web; break\n"
             f"print(json.dumps(loaded))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) == {}


def _commit_lines(path: Path) -> list[int]:
    """Lines calling `<something>.commit(...)`, except the unit of work's own `commit`."""
    return [node.lineno for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit"
            and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "unit_of_work")]


def test_only_the_unit_of_work_and_the_documented_exceptions_commit() -> None:
    found = {}
    for package in ("hotline", "workers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = _commit_lines(path)
            if lines:
                found[path.relative_to(ROOT).as_posix()] = lines
    stray = {name: lines for name, lines in found.items() if name not in COMMITTERS}
    assert stray == {}, "commit through hotline.app.unit_of_work at the entry point instead"
    assert set(found) == COMMITTERS  # an exception that no longer commits leaves the list
