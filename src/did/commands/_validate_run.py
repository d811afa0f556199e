"""The work of `did validate` (did/commands/validate.py holds its options): load the
reference data, validate the file, print the report, exit with the status."""

import sys
from datetime import date, datetime
from pathlib import Path

import click

from did.bytescan import Prescan
from did.commands.validate import EXIT_ACCEPTED, EXIT_REJECTED, cannot_run
from did.reference import ReferenceError, load_codes, load_reference
from did.report import Report
from did.spec.policy import POLICIES, Rejection
from did.spec.rules import RULES
from did.validate import validate_file


def run(
    file: Path,
    *,
    received: datetime | None,
    reference_dir: Path | None,
    codes_file: Path | None,
    policy_name: str,
    period: str | None,
    other_months: bool,
    providers: frozenset[str] | None,
    rejection: str | None,
    out: Path | None,
    as_json: bool,
    issues_csv: Path | None,
    prescan: Prescan,
) -> None:
    """Validate `file` as the options say (did.commands.validate), and exit."""
    try:
        reference = load_reference(reference_dir) if reference_dir else None
        codes = load_codes(codes_file) if codes_file else None
    except ReferenceError as error:
        cannot_run(str(error))
    received_day = received.date() if received else date.today()
    progress = _progress_printer() if not as_json and sys.stderr.isatty() else None
    try:
        report = validate_file(
            file,
            received=received_day,
            reference=reference,
            codes=codes,
            policy=POLICIES[policy_name],
            period=period,
            other_months_allowed=other_months,
            providers=providers,
            rejection=Rejection(rejection) if rejection else None,
            progress=progress,
            keep_records=False,
            out=out,
            prescan=prescan,
        )
    except OSError as error:
        cannot_run(f"{file}: {error.strerror or error}")
    if progress is not None:
        click.echo("", err=True)
    if issues_csv:
        try:
            report.write_issues_csv(issues_csv)
        except OSError as error:
            cannot_run(f"cannot write {issues_csv}: {error.strerror or error}")
    if as_json:
        click.echo(report.to_json())
    else:
        _print_summary(file, report, issues_csv)
    sys.exit(EXIT_ACCEPTED if report.accepted else EXIT_REJECTED)


def _progress_printer():
    def show(records: int) -> None:
        click.echo(f"\rValidating: {records:,} records read", nl=False, err=True)

    return show


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _print_summary(file: Path, report: Report, issues_csv: Path | None) -> None:
    verdict = "ACCEPTED" if report.accepted else "REJECTED"
    records = _count(report.record_count, "record")
    click.echo(f"{file.name}: {verdict} ({report.format.upper()}, {records})")
    click.echo(f"  {_count(report.errors, 'error')}, {_count(report.warnings, 'warning')}")
    if report.rejection is Rejection.RECORD and report.record_count:
        click.echo(
            f"  {_count(report.records_accepted, 'record')} accepted, "
            f"{report.records_rejected:,} rejected (an error rejects its record)"
        )
    elif report.errors and not report.file_errors:
        click.echo(
            f"  The national pipeline, which rejects only the records with an error, would "
            f"accept {_count(report.records_without_errors, 'record')}."
        )
    for notice in report.notices:
        click.echo(f"  Note: {notice}")
    for error in report.file_errors:
        click.echo(f"  File error {error.rule}: {error.message}")
    counts = report.rule_counts
    for rule in sorted(counts, key=list(RULES).index):
        if RULES[rule].file_level:
            continue
        severity = RULES[rule].severity.value
        click.echo(f"  {rule} {severity:<7} {counts[rule]:>9,}  {RULES[rule].message}")
    shown = report.shown_issues(max_errors=50, max_warnings=20)
    if shown.height:
        click.echo("\nFirst issues (record, rule, item, value):")
        for row in shown.iter_rows(named=True):
            click.echo(f"  {row['record']:>8}  {row['rule']}  {row['item']}: {row['value'] or ''}")
    if report.not_checked:
        click.echo("\nNot checked (no reference data supplied): " + ", ".join(report.not_checked))
    if issues_csv:
        click.echo(f"\nAll issues written to {issues_csv}")
