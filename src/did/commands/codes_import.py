"""`did codes-import`: build the imaging code reference from a NICIP to SNOMED CT mapping."""

import click

from did.codes_import import CodesImportError, import_with_summary


@click.command("codes-import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
def command(source, out):
    """Convert SOURCE (CSV, TSV or .xlsx NICIP to SNOMED CT mapping) into OUT, the
    imaging code reference CSV used by `did validate --codes` and the derivations."""
    try:
        codes, summary = import_with_summary(source)
    except CodesImportError as error:
        raise click.ClickException(str(error)) from None
    codes.write_csv(out)
    click.echo(
        f"Wrote {summary.nicip_codes:,} NICIP codes and {summary.snomed_codes:,} SNOMED CT "
        f"concepts to {out}"
    )
    if summary.duplicates_ignored:
        click.echo(f"Ignored {summary.duplicates_ignored:,} repeated NICIP codes (first kept).")
    if summary.unknown_modality:
        click.echo(
            f"{summary.unknown_modality:,} codes have no recognised modality and are marked "
            "Unknown: add a Modality column or fix its values."
        )
