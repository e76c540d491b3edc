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

from knowledge.evaluate import EvalReport, evaluate, format_report, load_cases
from knowledge.lexicon import Lexicon, load_lexicon
from knowledge.loader import LoadResult, load_base, load_in_context
from knowledge.matcher import Matcher, MatchResult
from knowledge.protocols import PROTOCOLS, matcher_factory, run_protocol
from knowledge.quiz import load_quiz
from knowledge.readings import load_readings
from knowledge.schema import Entry
from knowledge.settings import KnowledgeSettings

SettingsLoader = Callable[[], KnowledgeSettings]
#: Turns paths as written in the config into real ones (relative to the config file).
PathsResolver = Callable[[Sequence[str]], list[Path]]


def _default_paths(paths: Sequence[str]) -> list[Path]:
    return [Path(p) for p in paths]


def register(
    subparsers: Any, load_settings: SettingsLoader, resolve_paths: PathsResolver = _default_paths,
    reading_paths: Callable[[], list[Path]] = lambda: [],
) -> argparse.ArgumentParser:
    """Add the ``kb`` command; ``resolve_paths`` turns the configured paths into real ones;
    ``reading_paths`` gives the configured readings folders (config.yaml ``readings.paths``)."""
    kb = subparsers.add_parser("kb", help="check, try and evaluate the knowledge base")
    commands = kb.add_subparsers(dest="kb_command", required=True, metavar="{check,match,eval}")

    check = commands.add_parser("check", help="validate the YAML files; exit 1 on errors")
    check.add_argument(
        "paths", nargs="*", type=Path,
        help="files or folders (default: the configured base); a file's related ids may be in its folder")
    check.add_argument("--synonyms", type=Path, action="append", help="synonym files or folders to check too"
                       " (default with no PATH: the configured ones)")
    check.add_argument("--quiz", type=Path, action="append", help="quiz files or folders to check against the"
                       " base too (default with no PATH: the configured ones)")
    check.add_argument("--readings", type=Path, action="append", help="readings files or folders to check too"
                       " (default with no PATH: the configured ones)")
    check.set_defaults(func=lambda a: run_check(
        a.paths or resolve_paths(load_settings().paths),
        a.synonyms if a.synonyms or a.paths else resolve_paths(load_settings().synonyms),
        a.quiz if a.quiz or a.paths else resolve_paths(load_settings().quiz),
        a.readings if a.readings or a.paths else reading_paths()))

    match = commands.add_parser("match", help="match questions read from stdin, one a line")
    match.add_argument("--kb", type=Path, help="file or folder (default: the configured base)")
    match.add_argument("--top", type=int, default=3, help="candidates to list (default 3)")
    match.add_argument("--jsonl", action="store_true", help="one JSON object a line")
    match.set_defaults(func=lambda a: run_match(a, load_settings, resolve_paths))

    ev = commands.add_parser("eval", help="measure accuracy on a cases file, or by a protocol made from the base")
    ev.add_argument("--kb", type=Path, help="file or folder (default: the configured base)")
    ev.add_argument("cases", type=Path, nargs="?", help="YAML file with a 'cases:' list of {q, id}")
    ev.add_argument(
        "--protocol", choices=PROTOCOLS,
        help="instead of a cases file: loo (each alternate left out and asked), sparse (entries cut to"
        " question and keywords, alternates asked), small (40-entry bases with 0-3 alternates each)")
    ev.add_argument("--min-top1", type=float, default=0.0, help="exit 1 if top-1 accuracy is below this")
    ev.add_argument("--min-top3", type=float, default=0.0, help="exit 1 if top-3 recall is below this")
    ev.add_argument("--min-rejection", type=float, default=0.0, help="exit 1 if OOD rejection is below this")
    ev.add_argument(
        "--max-wrong", type=float, default=None,
        help="exit 1 if more than this share of in-domain cases is answered with another entry")
    ev.set_defaults(func=lambda a: run_eval(a, load_settings, resolve_paths))
    return kb


def print_issues(result: LoadResult, out: TextIO) -> None:
    for issue in result.errors:
        print(f"error: {issue}", file=out)
    for issue in result.warnings:
        print(f"warning: {issue}", file=out)


def run_check(
    paths: Sequence[Path], synonym_paths: Sequence[Path] = (), quiz_paths: Sequence[Path] = (),
    reading_paths: Sequence[Path] = (),
) -> int:
    """Validate ``paths``; a file named on its own is checked within its folder, so a ``related``
    id defined in a sibling file is found (the siblings' own problems are not reported).  The
    synonym files are checked too, and the quiz bank against the base ``paths`` make up, loaded
    whole (an item may name an entry in any of its files)."""
    result = load_in_context(paths)
    print_issues(result, sys.stdout)
    print(
        f"{len(result.entries)} entries in {len(result.files)} files:"
        f" {len(result.errors)} errors, {len(result.warnings)} warnings"
    )
    failed = bool(result.errors)
    if synonym_paths:
        vocabulary = load_lexicon(synonym_paths)
        print_issues(LoadResult((), vocabulary.errors, vocabulary.warnings), sys.stdout)
        print(f"{vocabulary.groups} synonym groups and {vocabulary.terms} named terms: {len(vocabulary.errors)} errors")
        failed = failed or not vocabulary.ok
    if quiz_paths:
        bank = load_quiz(quiz_paths, load_base(paths).entries)
        print_issues(LoadResult((), bank.errors), sys.stdout)
        print(f"{len(bank.items)} quiz items in {len(bank.files)} files: {len(bank.errors)} errors")
        failed = failed or not bank.ok
    if reading_paths:
        shelf = load_readings(reading_paths)
        print_issues(LoadResult((), shelf.errors), sys.stdout)
        print(f"{len(shelf.readings)} readings in {len(shelf.files)} files: {len(shelf.errors)} errors")
        failed = failed or not shelf.ok
    return 1 if failed else 0


def _load(kb: Path | None, settings: KnowledgeSettings, resolve_paths: PathsResolver) -> tuple[
    tuple[Entry, ...], Lexicon] | None:
    """The base's entries and the configured vocabulary, or None after printing why they cannot be used."""
    result = load_base([kb] if kb else resolve_paths(settings.paths))
    vocabulary = load_lexicon(resolve_paths(settings.synonyms), settings.out_of_scope)
    errors = [*result.errors, *vocabulary.errors]
    if errors:
        print_issues(LoadResult(result.entries, errors, result.warnings), sys.stderr)
        print(f"knowledge base has {len(errors)} errors; run 'cadrebot kb check'", file=sys.stderr)
        return None
    return result.entries, vocabulary.lexicon


def _load_matcher(kb: Path | None, settings: KnowledgeSettings, resolve_paths: PathsResolver) -> Matcher | None:
    """Build a matcher, or print why the base cannot be used and return None."""
    loaded = _load(kb, settings, resolve_paths)
    return None if loaded is None else Matcher.build(loaded[0], settings.match_settings, loaded[1])


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
    if (args.cases is None) == (args.protocol is None):
        print("give either a cases file or --protocol", file=sys.stderr)
        return 2
    settings = load_settings()
    loaded = _load(args.kb, settings, resolve_paths)
    if loaded is None:
        return 2
    entries, lexicon = loaded
    if args.protocol:
        report = run_protocol(args.protocol, entries, matcher_factory(settings.match_settings, lexicon))
        print(f"protocol {args.protocol}: {report.in_domain} questions made from {len(entries)} entries")
    else:
        try:
            cases = load_cases(args.cases)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            print(f"cannot read cases: {exc}", file=sys.stderr)
            return 2
        report = evaluate(Matcher.build(entries, settings.match_settings, lexicon), cases)
    print(format_report(report))
    failed = _failed_gates(report, args)
    if failed:
        print("FAIL: " + "; ".join(failed))
        return 1
    return 0


def _failed_gates(report: EvalReport, args: argparse.Namespace) -> list[str]:
    failed = []
    if report.top1_accuracy < args.min_top1:
        failed.append(f"top-1 {report.top1_accuracy:.3f} < {args.min_top1}")
    if report.top3_recall < args.min_top3:
        failed.append(f"top-3 {report.top3_recall:.3f} < {args.min_top3}")
    if report.rejection < args.min_rejection:
        failed.append(f"rejection {report.rejection:.3f} < {args.min_rejection}")
    if args.max_wrong is not None and report.wrong_rate > args.max_wrong:
        failed.append(f"confident wrong {report.wrong_rate:.3f} > {args.max_wrong}")
    return failed
