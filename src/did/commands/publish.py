"""`did publish`: the published statistics tables from DID files, for automation."""

from pathlib import Path

import click

from did import scratch
from did.publish import ENGINES, PublishOptions, Window, publish, write_release
from did.publish.disclosure import DEFAULT_MIN_TESTS_FOR_DAYS, DisclosureRules
from did.publish.periods import FINAL, PROVISIONAL, annual_window, monthly_window
from did.publish.reference import (
    CANCER_GROUPS_CSV,
    PROVIDER_REGIONS_CSV,
    load_cancer_groups,
    load_regions,
)

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("publish")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--codes", type=_FILE, help="Imaging code reference CSV (default: the starter).")
@click.option(
    "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder."
)
@click.option("--engine", type=click.Choice(ENGINES), default="duckdb", show_default=True)
@click.option(
    "--reference",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder with organisations.csv (site -> provider).",
)
@click.option("--period", help="Latest month of a 13-month provisional release, YYYY-MM.")
@click.option("--annual", type=int, help="Final release for April of this year to March.")
@click.option("--cancer-groups", type=_FILE, default=CANCER_GROUPS_CSV, show_default=False)
@click.option("--regions", type=_FILE, default=PROVIDER_REGIONS_CSV, show_default=False)
@click.option("--expected", type=_FILE, help="ODS codes of the organisations expected, one a line.")
@click.option("--suppress-below", type=click.IntRange(min=1), help="Withhold counts below this.")
@click.option(
    "--min-tests-for-days",
    type=click.IntRange(min=1),
    default=DEFAULT_MIN_TESTS_FOR_DAYS,
    show_default=True,
    help="Fewest tests behind a published median or percentile.",
)
@click.option("--spark-master", envvar="DID_SPARK_MASTER", help="Spark master (default local[2]).")
def command(
    inputs, codes, out, engine, reference, period, annual, cancer_groups, regions, expected,
    suppress_below, min_tests_for_days, spark_master,
):  # fmt: skip
    """Publish statistics from INPUT files (DID CSV/XML/zip, or folders of them).

    The files are taken as already-accepted data (no validation, no age cut-off). Writes
    OUT/modality_provider_counts.csv and the other tables (CSV and JSON, after disclosure
    control) and OUT/release.json listing the inputs and their SHA-256 hashes. Without
    --period or --annual, the release covers every month in the data.
    """
    from did.imaging_codes import starter_codes
    from did.publish.inputs import periods_present, to_parquet
    from did.reference import ReferenceError, load_codes, load_reference

    if period and annual:
        raise click.UsageError("give --period or --annual, not both")
    try:
        code_frame = load_codes(codes) if codes else starter_codes()
        organisations = load_reference(reference) if reference else None
        cancer, order = load_cancer_groups(cancer_groups)
        expected_codes = None
        if expected:
            lines = expected.read_text(encoding="utf-8").splitlines()
            expected_codes = tuple(line.strip() for line in lines if line.strip())
        options = PublishOptions(
            cancer_codes=cancer,
            cancer_group_order=order,
            regions=load_regions(regions),
            expected_providers=expected_codes,
            rules=DisclosureRules(
                suppress_below=suppress_below, min_tests_for_days=min_tests_for_days
            ),
        )
        with scratch.directory(scratch.PUBLISH) as work:
            files, recorded = to_parquet(
                inputs, Path(work), codes=code_frame, reference=organisations
            )
            if period:
                window = monthly_window(period)
            elif annual:
                window = annual_window(annual)
            else:
                span = periods_present(files) if files else None
                if span is None:
                    raise ValueError("the input files hold no records with a test date")
                window = Window(span[0], span[1], PROVISIONAL)
            publication = publish(
                files, window, engine=engine, options=options, spark_master=spark_master
            )
        manifest = write_release(publication, out, name=window.name, engine=engine, inputs=recorded)
    except (ValueError, ReferenceError, OSError) as error:
        raise click.ClickException(str(error)) from None
    kind = "final" if window.kind == FINAL else "provisional"
    click.echo(
        f"Published {len(manifest['tables'])} tables ({kind}, {window.start} to {window.end}, "
        f"{engine}) from {len(recorded)} file(s) to {out}"
    )
