"""`did synth`: write a synthetic DID file with errors of known rules injected."""

from pathlib import Path

import click

from did import synth
from did.reference import ReferenceError, load_reference


@click.command("synth")
@click.option("--rows", type=click.IntRange(min=1), required=True, help="Number of records.")
@click.option("--period", required=True, help="Reporting period YYYY-MM (the test month).")
@click.option(
    "--providers",
    "provider_count",
    type=click.IntRange(min=1),
    default=synth.DEFAULT_PROVIDERS,
    show_default=True,
    help="Number of providers (trusts); the demo trusts come first.",
)
@click.option(
    "--error-rate",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Share of records given one error of a known rule.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same file.")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["csv", "xml"]),
    default="csv",
    show_default=True,
)
@click.option(
    "--reference",
    "reference_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Draw trusts, their sites and GP practices from this reference folder (as `did "
    "validate --reference` reads it), so that a clean file validates against it.",
)
@click.option(
    "--provider",
    "only",
    multiple=True,
    help="With --reference: the trust (ODS code) whose records to make; may be repeated.",
)
@click.option(
    "--received",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the file will be sent (no test or report after it). Default: a week "
    "after the period.",
)
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
def command(
    rows, period, provider_count, error_rate, seed, file_format, reference_dir, only, received,
    out,
):  # fmt: skip
    """Write OUT: realistic synthetic records, and OUT.manifest.json listing the errors."""
    try:
        synth.parse_period(period)
        reference = load_reference(reference_dir) if reference_dir else None
        result = synth.write(
            out,
            rows,
            period,
            provider_count=provider_count,
            error_rate=error_rate,
            seed=seed,
            file_format=file_format,
            reference=reference,
            only=tuple(only),
            received=received.date() if received else None,
        )
    except (ValueError, ReferenceError) as error:
        raise click.UsageError(str(error)) from None
    click.echo(
        f"Wrote {rows:,} records ({file_format.upper()}, period {period}, "
        f"received {result['received']}) to {out}"
    )
    click.echo(f"Injected {len(result['errors']):,} errors; manifest: {synth.manifest_path(out)}")
