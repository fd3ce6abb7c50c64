"""The command line as a person or a script uses it: a subprocess, exit codes, stdout/stderr."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.classifier.conftest import synthetic_corpus

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "classifier", *args], input=stdin, text=True,
                          capture_output=True, env=env, cwd=REPO, timeout=120)


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "corpus.csv"
    texts, labels = synthetic_corpus(per_label=12)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "topic", "caller"])
        writer.writerows((t, lab, f"c{i % 5}") for i, (t, lab) in
                         enumerate(zip(texts, labels, strict=True)))
    return path


def assert_one_line_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.slow
def test_train_then_predict_json_lines(csv_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    trained = run("train", "--data", str(csv_file), "--label-col", "topic", "--out", str(out))
    assert trained.returncode == 0, trained.stderr
    assert json.loads(trained.stdout)["model"] == str(out)
    result = run("predict", "--model", str(out), stdin="学校老师收费\n\n燃气泄漏了，医院医生\n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    assert lines[0]["label"] == "教育文体" and len(lines[0]["top"]) == 3
    assert lines[1]["urgency"] == "紧急"
    assert set(lines[0]) >= {"label", "confidence", "top", "urgency"}
    assert "教育文体" in result.stdout  # ensure_ascii=False


def test_evaluate_prints_one_json_object(csv_file: Path) -> None:
    result = run("evaluate", "--data", str(csv_file), "--label-col", "topic", "--group-col",
                 "caller", "--folds", "3")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["folds"] == 3 and report["n"] == 84
    assert {"macro_f1", "accuracy", "ece", "threshold", "auto_dispatch",
            "confusion_matrix", "per_class"} <= set(report)


def test_missing_file() -> None:
    assert_one_line_error(run("evaluate", "--data", "/no/such.csv"), "no such file")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("", encoding="utf-8")
    assert_one_line_error(run("train", "--data", str(tmp_path / "e.csv"), "--out",
                              str(tmp_path / "m")), "no data rows")


def test_wrong_column(csv_file: Path, tmp_path: Path) -> None:
    assert_one_line_error(run("train", "--data", str(csv_file), "--out", str(tmp_path / "m")),
                          "no column label")
    assert_one_line_error(run("evaluate", "--data", str(csv_file), "--label-col", "topic",
                              "--group-col", "nope"), "no column nope")


def test_single_label_data(tmp_path: Path) -> None:
    (tmp_path / "one.csv").write_text("text,label\n甲,x\n乙,x\n", encoding="utf-8")
    assert_one_line_error(run("train", "--data", str(tmp_path / "one.csv"), "--out",
                              str(tmp_path / "m")), "two different labels")


def test_missing_and_corrupt_model_dir(tmp_path: Path) -> None:
    assert_one_line_error(run("predict", "--model", str(tmp_path / "none")), "does not exist")
    (tmp_path / "model_card.json").write_text("garbage", encoding="utf-8")
    assert_one_line_error(run("predict", "--model", str(tmp_path)), "unreadable")
