"""The engine's one pipeline: read → normalise → rules → derive → write.

    from did.validate import validate_file
    report = validate_file(path, received=date.today(), reference=ref, codes=codes,
                           period="2026-10", out=Path("out"))
    report.status, report.to_dict(), report.records

Record rules are Polars expressions (checks.py, reference_checks.py), each in one place and
listed in did/spec/rules.py. A plain CSV file (did.read.plain) is validated in streaming
passes of a million records (whole_file.py); any other file (quoted fields, Windows-1252,
XML, zip) is read batch by batch by the general reader (a large XML file by two processes,
did.read.xml_split) and each batch is normalised and checked by the same rules. Two rules
run once at the end, from what each record leaves on disk as it goes by (validator.py):
DIDS071 (site code + accession number unique), over every record's key hash, and DIDP114
(a SNOMED CT code's form), over each distinct code.
Validated records are spooled to Parquet in a private temporary directory (when kept) so a
10-million-record file never sits in memory. With `out`, the accepted records are derived
(did.derive) and written a batch at a time as `out/records.parquet`, and every issue as
`out/issues.parquet`: the files the portal stores (did.validate.output; docs/adr/016).
"""

from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl

from did import scratch
from did.bytescan import ByteFacts, Prescan
from did.read import FileRejected, open_records
from did.read.plain import plain_csv
from did.reference import Reference
from did.report import FileError, Report, empty_issues
from did.spec.policy import DEFAULT_POLICY, Policy, Rejection
from did.validate import whole_file
from did.validate.output import write_outputs
from did.validate.reference_checks import not_checked
from did.validate.validator import Context, Validator

__all__ = ["DEFAULT_POLICY", "Context", "validate_file", "validate_frames"]


def validate_frames(
    batches,
    *,
    received: date,
    reference: Reference | None = None,
    codes: pl.DataFrame | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Validate in-memory record frames (record_number + 18 string columns).

    Returns (issues, records). For callers that already hold records, such as tests.
    """
    validator = Validator(
        Context(received=received, reference=reference, codes=codes, policy=policy)
    )
    records = [validator.add(batch) for batch in batches]
    frame = pl.concat(records) if records else pl.DataFrame()
    return validator.issues(), frame


def _guess_format(path: Path) -> str:
    return "xml" if path.suffix.lower() == ".xml" else "csv"


def validate_file(
    path: Path | str,
    *,
    received: date,
    reference: Reference | None = None,
    codes: pl.DataFrame | None = None,
    policy: Policy = DEFAULT_POLICY,
    period: str | None = None,
    other_months_allowed: bool = False,
    providers: frozenset[str] | None = None,
    rejection: Rejection | None = None,
    progress: Callable[[int], None] | None = None,
    keep_records: bool = True,
    out: Path | None = None,
    prescan: Prescan | None = None,
) -> Report:
    """Validate a CSV, XML or zipped file; never raises for bad content (only for a path
    that is not a readable file: FileNotFoundError / PermissionError, or a folder `out`
    that cannot be written).

    `period` ("YYYY-MM") is the reporting period the file is sent for (DIDP115, or
    DIDP116 when `other_months_allowed`); `providers` the ODS codes whose sites the
    submitter may send (DIDP117); `rejection` what an error rejects (default: the
    policy's). With `out`, the records and issues are written there (see the module
    docstring) and the records are not kept beyond that. `prescan`: the file's byte
    facts being worked out by another process (did.bytescan), started before this one
    had imported the engine.
    """
    context = Context(
        received=received,
        reference=reference,
        codes=codes,
        policy=policy,
        period=period,
        other_months_allowed=other_months_allowed,
        providers=providers,
        rejection=rejection,
    )
    path = Path(path)
    known = prescan.facts(path) if prescan is not None else None
    report = _validate(path, context, progress, keep_records or out is not None, known)
    if out is not None:
        try:
            write_outputs(report, context, Path(out))
        finally:
            if not keep_records:
                report.close()
    return report


def _validate(
    path: Path,
    context: Context,
    progress: Callable[[int], None] | None,
    keep: bool,
    known: ByteFacts | None,
) -> Report:
    spool = scratch.directory(scratch.RECORDS) if keep else None
    spool_dir = Path(spool.name) if spool is not None else None
    skipped = not_checked(context.reference, context.codes)
    file_format = _guess_format(path)
    notices: list[str] = []
    try:
        with open_records(path, known) as source:
            file_format = source.format
            plain = plain_csv(source.path, source.known) if source.format == "csv" else None
            checked = Validator(context)
            if plain is not None and whole_file.validate_whole(plain, checked, spool_dir, progress):
                notices = [plain.order.notice] if plain.order.notice else []
            else:
                checked = Validator(context)
                for number, batch in enumerate(source.batches()):
                    records = checked.add(batch)
                    if spool_dir is not None:
                        part = spool_dir / f"part-{number:06d}.parquet"
                        records.write_parquet(part, compression="lz4")
                    if progress is not None:
                        progress(checked.record_count)
                notices = list(source.notices)
            issues = checked.issues()
    except FileRejected as rejected:
        if spool is not None:
            spool.cleanup()
        return Report(
            format=file_format,
            record_count=0,
            issues=empty_issues(),
            file_errors=[FileError(rejected.rule, rejected.message)],
            not_checked=skipped,
            policy=context.policy.name,
            rejection=context.rejects,
        )
    return Report(
        format=file_format,
        record_count=checked.record_count,
        issues=issues,
        not_checked=skipped,
        policy=context.policy.name,
        rejection=context.rejects,
        notices=notices,
        _records_dir=spool,
    )
