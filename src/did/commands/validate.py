"""`did validate FILE`: validate a DID file offline, exactly as the portal does.

Exit status: 0 accepted, 1 rejected, 2 could not run (bad arguments, unreadable path,
unusable reference data).
"""

import sys
from datetime import date, datetime
from pathlib import Path

import click

from did.reference import ReferenceError, load_codes, load_reference
from did.report import Report
from did.spec.policy import DEFAULT_POLICY, POLICIES, Rejection
from did.spec.rules import RULES
from did.validate import validate_file

EXIT_ACCEPTED, EXIT_REJECTED, EXIT_CANNOT_RUN = 0, 1, 2


@click.command(name="validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--received",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Date the file was received (YYYY-MM-DD), for the cut-off and future-date rules. "
    "Default: today.",
)
@click.option(
    "--reference",
    "reference_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory with organisations.csv and/or postcodes.csv (see README).",
)
@click.option(
    "--codes",
    "codes_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Imaging code reference CSV: code_system,code,description,modality[,...].",
)
@click.option(
    "--policy",
    "policy_name",
    type=click.Choice(sorted(POLICIES)),
    default=DEFAULT_POLICY.name,
    show_default=True,
    help="Reading of the rules where the specification gives two (docs/adr/010).",
)
@click.option(
    "--period",
    callback=lambda ctx, param, value: _period(value),
    help="The reporting period (YYYY-MM) the file is sent for: every test date must be in "
    "that month (DIDP115), as the portal checks.",
)
@click.option(
    "--other-months",
    is_flag=True,
    help="With --period: a test in another month is a warning (DIDP116), as on a portal "
    "that takes other months in a file.",
)
@click.option(
    "--providers",
    callback=lambda ctx, param, value: _providers(value),
    help="Comma-separated ODS codes of the providers the submitting organisation sends "
    "records for (itself first): a record from another provider's site is an error "
    "(DIDP117). Needs --reference.",
)
@click.option(
    "--rejection",
    type=click.Choice([r.value for r in Rejection]),
    help="What an error rejects: the whole file, or only its record (the national "
    "pipeline). Default: the policy's (portal: file, dsp: record).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the accepted records (with the derived columns) and every issue to this "
    "folder as records.parquet and issues.parquet, exactly as the portal stores them.",
)
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
@click.option(
    "--issues-csv",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write every issue (not only the first 200 warnings) to this CSV file.",
)
def command(
    file: Path,
    received,
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
) -> None:
    """Validate FILE (CSV, XML or a zip holding one) against every DID rule."""
    if not file.is_file():
        _cannot_run(f"{file} is not a readable file")
    try:
        reference = load_reference(reference_dir) if reference_dir else None
        codes = load_codes(codes_file) if codes_file else None
    except ReferenceError as error:
        _cannot_run(str(error))
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
        )
    except OSError as error:
        _cannot_run(f"{file}: {error.strerror or error}")
    if progress is not None:
        click.echo("", err=True)
    if issues_csv:
        try:
            report.write_issues_csv(issues_csv)
        except OSError as error:
            _cannot_run(f"cannot write {issues_csv}: {error.strerror or error}")
    if as_json:
        click.echo(report.to_json())
    else:
        _print_summary(file, report, issues_csv)
    sys.exit(EXIT_ACCEPTED if report.accepted else EXIT_REJECTED)


def _period(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parsed = datetime.strptime(value, "%Y-%m")
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a month in the form YYYY-MM") from None
    return parsed.strftime("%Y-%m")


def _providers(value: str | None) -> frozenset[str] | None:
    if value is None:
        return None
    codes = frozenset(code.strip().upper() for code in value.split(",") if code.strip())
    if not codes:
        raise click.BadParameter("give at least one ODS code")
    return codes


def _cannot_run(message: str):
    click.echo(f"did validate: {message}", err=True)
    sys.exit(EXIT_CANNOT_RUN)


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
