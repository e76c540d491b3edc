"""``cadrebot kb …``: check, try and measure the knowledge base from a shell.

Plugged into the bot's argparse CLI with ``register``; every subcommand sets
``func`` on the parsed namespace, a callable taking the namespace and
returning the process exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import yaml

from knowledge.evaluate import evaluate, format_report, load_cases
from knowledge.loader import LoadResult, load_base
from knowledge.matcher import Matcher, MatchResult
from knowledge.settings import KnowledgeSettings

SettingsLoader = Callable[[], KnowledgeSettings]
PathsResolver = Callable[[KnowledgeSettings], list[Path]]


def _default_paths(settings: KnowledgeSettings) -> list[Path]:
    return [Path(p) for p in settings.paths]


def register(
    subparsers: Any, load_settings: SettingsLoader, resolve_paths: PathsResolver = _default_paths
) -> argparse.ArgumentParser:
    """Add the ``kb`` command; ``resolve_paths`` turns the configured paths into real ones."""
    kb = subparsers.add_parser("kb", help="check, try and evaluate the knowledge base")
    commands = kb.add_subparsers(dest="kb_command", required=True, metavar="{check,match,eval}")

    check = commands.add_parser("check", help="validate the YAML files; exit 1 on errors")
    check.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the configured base)")
    check.set_defaults(func=lambda a: run_check(a.paths or resolve_paths(load_settings())))

    match = commands.add_parser("match", help="match questions read from stdin, one a line")
    match.add_argument("--kb", type=Path, help="file or folder (default: the configured base)")
    match.add_argument("--top", type=int, default=3, help="candidates to list (default 3)")
    match.add_argument("--jsonl", action="store_true", help="one JSON object a line")
    match.set_defaults(func=lambda a: run_match(a, load_settings, resolve_paths))

    ev = commands.add_parser("eval", help="measure accuracy on a cases file")
    ev.add_argument("--kb", type=Path, help="file or folder (default: the configured base)")
    ev.add_argument("cases", type=Path, help="YAML file with a 'cases:' list of {q, id}")
    ev.add_argument("--min-top1", type=float, default=0.0, help="exit 1 if top-1 accuracy is below this")
    ev.add_argument("--min-rejection", type=float, default=0.0, help="exit 1 if OOD rejection is below this")
    ev.set_defaults(func=lambda a: run_eval(a, load_settings, resolve_paths))
    return kb


def print_issues(result: LoadResult, out: TextIO) -> None:
    for issue in result.errors:
        print(f"error: {issue}", file=out)
    for issue in result.warnings:
        print(f"warning: {issue}", file=out)


def run_check(paths: Sequence[Path]) -> int:
    result = load_base(paths)
    print_issues(result, sys.stdout)
    print(
        f"{len(result.entries)} entries in {len(result.files)} files:"
        f" {len(result.errors)} errors, {len(result.warnings)} warnings"
    )
    return 1 if result.errors else 0


def _load_matcher(kb: Path | None, settings: KnowledgeSettings, resolve_paths: PathsResolver) -> Matcher | None:
    """Build a matcher, or print why the base cannot be used and return None."""
    result = load_base([kb] if kb else resolve_paths(settings))
    if not result.ok:
        print_issues(result, sys.stderr)
        print(f"knowledge base has {len(result.errors)} errors; run 'cadrebot kb check'", file=sys.stderr)
        return None
    return Matcher.build(result.entries, settings.match_settings)


def result_json(result: MatchResult) -> dict[str, Any]:
    """The ``kb match --jsonl`` record: ``id`` is set only when the outcome is an answer."""
    return {
        "query": result.query,
        "outcome": result.outcome,
        "id": result.best.id if result.best else None,
        "score": result.score,
        "candidates": [{"id": c.entry.id, "score": c.score} for c in result.candidates],
    }


def result_line(result: MatchResult) -> str:
    shown = ", ".join(f"{c.entry.id} {c.score:.2f}" for c in result.candidates) or "-"
    return f"{result.outcome:<7} {result.score:.2f}  {result.query}  [{shown}]"


def run_match(args: argparse.Namespace, load_settings: SettingsLoader, resolve_paths: PathsResolver) -> int:
    settings = load_settings()
    matcher = _load_matcher(args.kb, settings, resolve_paths)
    if matcher is None:
        return 2
    for raw in sys.stdin.buffer:
        query = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        result = matcher.match(query, top=max(args.top, 0))
        line = json.dumps(result_json(result), ensure_ascii=False) if args.jsonl else result_line(result)
        print(line, flush=True)
    return 0


def run_eval(args: argparse.Namespace, load_settings: SettingsLoader, resolve_paths: PathsResolver) -> int:
    settings = load_settings()
    matcher = _load_matcher(args.kb, settings, resolve_paths)
    if matcher is None:
        return 2
    try:
        cases = load_cases(args.cases)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print(f"cannot read cases: {exc}", file=sys.stderr)
        return 2
    report = evaluate(matcher, cases)
    print(format_report(report))
    failed = []
    if report.top1_accuracy < args.min_top1:
        failed.append(f"top-1 {report.top1_accuracy:.3f} < {args.min_top1}")
    if report.rejection < args.min_rejection:
        failed.append(f"rejection {report.rejection:.3f} < {args.min_rejection}")
    if failed:
        print("FAIL: " + "; ".join(failed))
        return 1
    return 0
