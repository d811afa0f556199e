"""Submissions test helpers: people with roles, uploaded files, engine outcomes as data."""

import datetime
import hashlib
import tempfile
from pathlib import Path

import factory
import polars as pl
from django.core.files.uploadedfile import SimpleUploadedFile

from did.spec.derived import DERIVED_COLUMNS
from did.spec.items import COLUMNS
from portal.accounts.roles import Role
from portal.organisations.models import Organisation, OrganisationKind
from portal.store import api as store
from portal.submissions.engine import EngineOutcome
from portal.submissions.uploads import StoredUpload
from tests.accounts.factories import UserFactory, grant


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{chr(65 + n % 26)}{n % 10}")
    name = factory.Sequence(lambda n: f"Test Hospitals NHS Trust {n}")
    kind = OrganisationKind.NHS_TRUST
    open_date = datetime.date(2000, 4, 1)


def submitter_for(*organisations, **user_fields):
    user = UserFactory(**user_fields)
    for organisation in organisations:
        grant(user, Role.SUBMITTER, organisation)
    return user


def csv_file(name="dids.csv", rows=3, marker="A") -> SimpleUploadedFile:
    lines = []
    for i in range(rows):
        fields = [""] * len(COLUMNS)
        fields[COLUMNS.index("accession_number")] = f"{marker}{i:06d}"
        fields[COLUMNS.index("test_date")] = "2026-10-15"
        lines.append(",".join(fields))
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(), "text/csv")


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


_POLARS = {"Utf8": pl.Utf8, "Int64": pl.Int64, "Int32": pl.Int32, "Date": pl.Date}


def records_frame(rows=3, period="2026-10", site="RX101", first_value="ABC") -> pl.DataFrame:
    """A records frame shaped as the engine hands it over: 18 items + derived columns."""
    data = {
        name: [f"{first_value}{i}" if name == "accession_number" else "" for i in range(rows)]
        for name in COLUMNS
    }
    data["site_code"] = [site] * rows
    data["test_date"] = [f"{period}-15"] * rows
    frame = pl.DataFrame(data, schema={name: pl.Utf8 for name in COLUMNS})
    derived = {}
    for name, (dtype, _) in DERIVED_COLUMNS.items():
        derived[name] = pl.Series(name, [None] * rows, dtype=_POLARS[dtype])
    frame = frame.with_columns(**derived).with_columns(
        record_number=pl.int_range(1, rows + 1, dtype=pl.Int64), period=pl.lit(period)
    )
    return frame


def issues_frame(errors=0, warnings=0) -> pl.DataFrame:
    rows = [
        {
            "record_number": i + 1,
            "rule": "DIDS045",
            "severity": "error",
            "item": "test_date",
            "value": "2026-02-30",
            "message": "The test date is not a valid date",
            "site_code": "RX101",
            "accession_number": f"ACC{i:07d}",
        }
        for i in range(errors)
    ] + [
        {
            "record_number": i + 1,
            "rule": "DIDS062",
            "severity": "warning",
            "item": "report_date",
            "value": "2026-12-01",
            "message": "The report was issued more than a month after the test",
            "site_code": "RX101",
            "accession_number": f"ACC{i:07d}",
        }
        for i in range(warnings)
    ]
    schema = {
        "record_number": pl.Int64,
        "rule": pl.Utf8,
        "severity": pl.Utf8,
        "item": pl.Utf8,
        "value": pl.Utf8,
        "message": pl.Utf8,
        "site_code": pl.Utf8,
        "accession_number": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema)


def outcome(accepted=True, rows=3, errors=0, warnings=0, **frame_kwargs) -> EngineOutcome:
    rule_counts = []
    if errors:
        rule_counts.append(
            {
                "rule": "DIDS045",
                "severity": "error",
                "count": errors,
                "message": "The test date is not a valid date",
            }
        )
    if warnings:
        rule_counts.append(
            {
                "rule": "DIDS062",
                "severity": "warning",
                "count": warnings,
                "message": "Report more than a month after the test",
            }
        )
    # Files in a work folder, as the engine leaves them (did.validate.output).
    work = tempfile.TemporaryDirectory(prefix="test-outcome-")
    issues_path = Path(work.name) / "issues.parquet"
    issues_frame(errors, warnings).write_parquet(issues_path)
    records_path = None
    if accepted:
        records_path = Path(work.name) / "records.parquet"
        records_frame(rows, **frame_kwargs).write_parquet(records_path)
    return EngineOutcome(
        accepted=accepted,
        record_count=rows,
        error_count=errors,
        warning_count=warnings,
        rule_counts=rule_counts,
        records_accepted=rows if accepted else 0,
        records_without_errors=rows - errors,
        issues_path=issues_path,
        records_path=records_path,
        _work=work,
    )


def stored_upload(content: bytes, name="dids.csv") -> StoredUpload:
    """A file as the upload handler leaves it: in the store's incoming folder, hashed."""
    arriving = store.records().receive(store.incoming_key())
    arriving.write(content)
    return StoredUpload(arriving.complete(), name, "text/csv")


def received_submission(
    user, organisation, period="2026-10", content=None, name="dids.csv", replace=None
):
    """A submission as the upload journey creates it (validation not yet run). `replace`
    as services.receive takes it: True replaces an accepted month without asking."""
    from portal.submissions import services

    content = content if content is not None else csv_file(name).read()
    upload = stored_upload(content, name)
    return services.receive(user, organisation, period, upload, replace=replace).submission


def reference_organisations():
    """The organisations tests/did/records.VALID refers to, as the ODS import holds them."""
    from tests.organisations.factories import SiteFactory

    TrustFactory(code="RR8", name="Leeds Teaching Hospitals NHS Trust")
    SiteFactory(code="RR813", parent_code="RR8", name="St James's University Hospital")
    Organisation.objects.get_or_create(
        code="B86001",
        defaults={
            "name": "Example Surgery",
            "kind": OrganisationKind.GP_PRACTICE,
            "open_date": datetime.date(1974, 4, 1),
        },
    )


def did_csv(rows: int = 3, **changes) -> bytes:
    """A CSV of valid DID records (September 2026 tests), changed as given."""
    from tests.did.records import csv_text, record

    return csv_text([record(i + 1, **changes) for i in range(rows)]).encode()


def outcome_with_records(frame: pl.DataFrame, **kwargs) -> EngineOutcome:
    """An accepted outcome whose kept records are `frame` (as the engine writes them)."""
    result = outcome(rows=frame.height, **kwargs)
    frame.write_parquet(result.records_path)
    return result
