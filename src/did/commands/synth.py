"""`did synth`: write a synthetic DID file with errors of known rules injected."""

import click

from did import synth


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
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
def command(rows, period, provider_count, error_rate, seed, file_format, out):
    """Write OUT: realistic synthetic records, and OUT.manifest.json listing the errors."""
    try:
        synth.parse_period(period)
        result = synth.write(
            out,
            rows,
            period,
            provider_count=provider_count,
            error_rate=error_rate,
            seed=seed,
            file_format=file_format,
        )
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    click.echo(
        f"Wrote {rows:,} records ({file_format.upper()}, period {period}, "
        f"received {result['received']}) to {out}"
    )
    click.echo(f"Injected {len(result['errors']):,} errors; manifest: {synth.manifest_path(out)}")
