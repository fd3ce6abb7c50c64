"""Every command the README (and docs/benchmarks.md) gives works as written in a fresh shell.

A fresh shell has no virtual environment active, so a bare `flask` or `python` is not this
project's: commands are `make` targets or spelled `.venv/bin/...`. Each command is taken from the
`sh` blocks and from inline code, and checked for what can be checked cheaply: the make target
exists (and `make -n` accepts the line), the `.venv/bin` program is installed, a `flask --app
hotline` command answers `--help` and knows the options given, a `python -m` module imports.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from flask import Flask

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", ROOT / "docs" / "benchmarks.md"]
# Programs a fresh shell would take from elsewhere (or not find): they must be .venv/bin/...
VENV_PROGRAMS = {"flask", "python", "python3", "gunicorn", "pytest", "pip", "ruff", "pybabel",
                 "rq", "lint-imports", "hotline", "waitress-serve"}
COMMAND_START = re.compile(r"^(?:[A-Z_]+=\S+\s+)*(?:make|\.venv/|flask|python3?|gunicorn|pytest|"
                           r"pip|ruff|pybabel|rq|lint-imports)\b")
FENCE = re.compile(r"```sh\n(.*?)```", re.S)
INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


def _commands(text: str) -> list[str]:
    found = []
    for block in FENCE.findall(text):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("export "):
                found.append(line)
    prose = FENCE.sub("", text)
    found += [span.strip() for span in INLINE.findall(prose) if COMMAND_START.match(span.strip())]
    return found


def _all_commands() -> list[tuple[str, str]]:
    return [(doc.name, command) for doc in DOCUMENTS
            for command in _commands(doc.read_text(encoding="utf-8"))]


def _words(command: str) -> list[str]:
    """The words of the first command of a line, without leading VAR=value assignments."""
    first = re.split(r"\s(?:&&|\|\||;)\s", command)[0]
    words = shlex.split(first.replace("[", " ").replace("]", " "))
    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
        words.pop(0)
    return words


def _make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][\w-]*)\s*:(?!=)", makefile, re.M))


COMMANDS = _all_commands()


def test_the_documents_give_commands() -> None:
    texts = [c for _, c in COMMANDS]
    assert "make run" in texts and "make test" in texts and "make reset-demo" in texts
    assert len(COMMANDS) > 20


@pytest.mark.parametrize(("doc", "command"), COMMANDS, ids=[c for _, c in COMMANDS])
def test_each_command_works_in_a_fresh_shell(doc: str, command: str, app: Flask) -> None:
    words = _words(command)
    program = words[0]
    assert program not in VENV_PROGRAMS, (
        f"{doc}: `{command}` needs the virtual environment: write .venv/bin/{program} or a make target")
    if program == "make":
        target = next(w for w in words[1:] if not w.startswith("-") and "=" not in w)
        assert target in _make_targets(), f"{doc}: no make target {target!r}"
        dry = subprocess.run(["make", "-n", *words[1:]], cwd=ROOT, capture_output=True, text=True,
                             timeout=30)
        assert dry.returncode == 0, dry.stderr
        return
    assert program.startswith(".venv/bin/")
    assert (ROOT / program).exists(), f"{doc}: {program} is not installed"
    if program == ".venv/bin/flask":
        _check_flask(doc, command, words, app)
    elif program == ".venv/bin/python" and words[1:2] == ["-m"]:
        module = words[2]
        if "<" not in module:
            assert importlib.util.find_spec(module) is not None, f"{doc}: no module {module}"


def _check_flask(doc: str, command: str, words: list[str], app: Flask) -> None:
    """`flask --app hotline CMD [SUB] [--option ...]`: the command answers --help and lists
    the options; `a|b|c` means each of a, b, c."""
    assert words[1:3] == ["--app", "hotline"], f"{doc}: `{command}`"
    path = [w for w in words[3:5] if not w.startswith("-") and not w.isupper()
            and w not in ("...", "FILE.xlsx")][:2]
    runner = app.test_cli_runner()
    top = runner.invoke(args=[*path[:1], "--help"])
    assert top.exit_code == 0, f"{doc}: `{command}`: {top.output}"
    if not path:  # the command line itself (`flask --app hotline COMMAND`)
        return
    if len(path) > 1 and "Commands:" in top.output:
        for sub in path[1].split("|"):
            assert runner.invoke(args=[path[0], sub, "--help"]).exit_code == 0, \
                f"{doc}: `{command}`: no subcommand {sub}"
    else:
        for option in (w for w in words[3:] if w.startswith("--")):
            assert option in top.output, f"{doc}: `{command}`: {path[0]} has no {option}"


def _numbers(value: object) -> set[float]:
    if isinstance(value, dict):
        return set().union(*(_numbers(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_numbers(v) for v in value)) if value else set()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return set()
    return {float(value)}


def test_the_figures_table_shows_the_latest_results() -> None:
    """Each number of the README's Figures table is one of its results file's numbers, so a
    benchmark re-run that changes them shows up as this test failing until the table follows."""
    import json

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Figures", 1)[1].split("\n## ", 1)[0]
    rows = [r for r in table.splitlines() if r.startswith("| ") and "bench/results/" in r]
    assert len(rows) >= 8
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        latest, results = cells[2], cells[4]
        known = set().union(*(_numbers(json.loads((ROOT / path).read_text(encoding="utf-8")))
                              for path in re.findall(r"bench/results/\w+\.json", results)))
        for number in re.findall(r"(?<![A-Za-z\d.])\d[\d,]*(?:\.\d+)?(?![A-Za-z])", latest):
            assert float(number.replace(",", "")) in known, f"{number} of {row!r}"
