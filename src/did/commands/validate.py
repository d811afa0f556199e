"""`did validate FILE`: validate a DID file offline, exactly as the portal does.

Exit status: 0 accepted, 1 rejected, 2 could not run (bad arguments, unreadable path,
unusable reference data).

This module holds the command's options only and imports no Polars: the command first
starts the scan of the file's bytes in a second process (did.bytescan.Prescan), then
imports the engine and runs it (did/commands/_validate_run.py), so that the scan runs
while Polars is imported (docs/adr/017).
"""

import importlib
import sys
from datetime import datetime
from pathlib import Path

import click

from did.bytescan import Prescan
from did.spec.policy import DEFAULT_POLICY, POLICIES, Rejection

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
def command(file: Path, **options) -> None:
    """Validate FILE (CSV, XML or a zip holding one) against every DID rule."""
    if not file.is_file():
        cannot_run(f"{file} is not a readable file")
    prescan = Prescan(file)
    try:
        # Imported here, as did.cli imports each command: after the prescan has started.
        run = importlib.import_module("did.commands._validate_run").run
        run(file, prescan=prescan, **options)  # the options, named as above
    finally:
        prescan.close()


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


def cannot_run(message: str):
    click.echo(f"did validate: {message}", err=True)
    sys.exit(EXIT_CANNOT_RUN)
