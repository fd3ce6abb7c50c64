"""``python -m classifier train|evaluate|predict``: see ``--help``.

Errors a person can fix (a missing file, a wrong column, a bad model directory) print one
line ``error: ...`` on stderr and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from classifier.card import read_card
from classifier.data import columns, read_rows
from classifier.errors import DataError, ModelError, TrainingError

EXIT_USAGE = 2


def _labelled(args: argparse.Namespace) -> tuple[list[str], list[str], list[str] | None]:
    rows = read_rows(args.data)
    group_col = getattr(args, "group_col", None)
    texts, labels, *groups = columns(rows, args.data, args.text_col, args.label_col, group_col)
    return texts, labels, groups[0] if groups else None


def _train(args: argparse.Namespace) -> None:
    texts, labels, _ = _labelled(args)  # before the heavy imports: bad input fails fast
    from classifier import save, train

    model = train(texts, labels, seed=args.seed)
    directory = save(model, args.out)
    print(json.dumps({"model": str(directory), "labels": list(model.labels),
                      "threshold": round(model.threshold, 4)}, ensure_ascii=False))


def _evaluate(args: argparse.Namespace) -> None:
    texts, labels, groups = _labelled(args)
    from classifier import evaluate

    report = evaluate(texts, labels, groups, folds=args.folds, seed=args.seed)
    print(json.dumps(report, ensure_ascii=False))


def _predict(args: argparse.Namespace) -> None:
    read_card(args.model)  # before the heavy imports: a bad directory fails fast
    from classifier import load

    model = load(args.model)
    lines = [line.rstrip("\r\n") for line in sys.stdin]
    texts = [line for line in lines if line.strip()]
    for pred in model.predict(texts):
        print(json.dumps({"label": pred.label, "confidence": round(pred.confidence, 4),
                          "top": [[label, round(p, 4)] for label, p in pred.top],
                          "urgency": pred.urgency, "urgency_rule": pred.urgency_rule},
                         ensure_ascii=False))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m classifier",
                                     description="12345 hotline topic classifier")
    commands = parser.add_subparsers(dest="command", required=True)

    def data_command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--data", required=True, help="UTF-8 CSV with a header row")
        sub.add_argument("--text-col", default="text")
        sub.add_argument("--label-col", default="label")
        sub.add_argument("--seed", type=int, default=0)
        return sub

    train_cmd = data_command("train", "train a model and write its directory")
    train_cmd.add_argument("--out", required=True, help="model directory to write")
    train_cmd.set_defaults(run=_train)
    eval_cmd = data_command("evaluate", "cross-validate; prints one JSON object")
    eval_cmd.add_argument("--group-col", help="rows sharing a value stay in one fold "
                          "(default: identical texts)")
    eval_cmd.add_argument("--folds", type=int, default=5)
    eval_cmd.set_defaults(run=_evaluate)
    predict_cmd = commands.add_parser(
        "predict", help="one text per stdin line -> one JSON line each (blank lines skipped)")
    predict_cmd.add_argument("--model", required=True, help="model directory")
    predict_cmd.set_defaults(run=_predict)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # jieba's "Building prefix dict" chatter on stderr is not an error.
    logging.getLogger("jieba").setLevel(logging.WARNING)
    try:
        args.run(args)
    except (DataError, ModelError, TrainingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return 0


if __name__ == "__main__":
    sys.exit(main())
