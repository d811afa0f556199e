"""Read a submission's stored issues (reports/<id>.issues.parquet) one page at a time.

A national file can carry millions of issues, so nothing here builds them all: DuckDB scans
the Parquet object (a file, or an object read through the store from object storage) with
the rule/severity filter and LIMIT/OFFSET inside the scan, reading only the row groups it
needs and holding one page of rows. The web report and the API both
page through `page()`; the issues CSV streams the same file in batches (exports.py).

The stored table has record_number, rule, severity, item, value and message; newer reports
also carry site_code and accession_number (so staff can find the record in their radiology
system). Older reports without them are read as if those columns were empty.
"""

import math
from dataclasses import dataclass

import duckdb

from did.spec.items import BY_NAME
from portal.organisations.models import Organisation
from portal.store import api as store
from portal.submissions.authority import providers_for

PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
SEVERITIES = ("error", "warning")
BASE_COLUMNS = ("record_number", "rule", "severity", "item", "value", "message")
RECORD_COLUMNS = ("site_code", "accession_number")
# A scan reads a row group at a time; this keeps a pathological file from taking the
# web process's memory with it.
DUCKDB_MEMORY_LIMIT = "256MB"


def item_name(item: str | None) -> str | None:
    """The data set's name for an item ("DIAGNOSTIC TEST DATE" for test_date)."""
    if item is None:
        return None
    known = BY_NAME.get(item)
    return known.title if known else item


@dataclass(frozen=True)
class Page:
    issues: list[dict]
    number: int
    size: int
    total: int
    rule: str | None
    severity: str | None
    record_columns: bool  # the stored issues carry site code and accession number

    @property
    def count(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count

    @property
    def first(self) -> int:
        return (self.number - 1) * self.size + 1 if self.issues else 0

    @property
    def last(self) -> int:
        return self.first + len(self.issues) - 1 if self.issues else 0


def issues_key(submission) -> str | None:
    """The key of the submission's stored issues, if it has them."""
    if not submission.report_path or not store.records().exists(submission.report_path):
        return None
    return submission.report_path


def stored_columns(key: str) -> list[str]:
    """The stored table's columns, from the Parquet footer (no data read)."""
    return store.records().parquet_schema(key).names


def _where(rule: str | None, severity: str | None) -> tuple[str, list]:
    clauses, parameters = [], []
    if severity:
        clauses.append("severity = ?")
        parameters.append(severity)
    if rule:
        clauses.append("rule = ?")
        parameters.append(rule)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", parameters


def _connect():
    connection = duckdb.connect(":memory:")
    connection.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    connection.execute("SET threads = 1")
    # Rows come back in the stored (record) order without a sort over the whole file.
    connection.execute("SET preserve_insertion_order = true")
    return connection


def page(
    submission,
    *,
    number: int = 1,
    size: int = PAGE_SIZE,
    rule: str | None = None,
    severity: str | None = None,
    clamp: bool = True,
) -> Page:
    """One page of a submission's issues, filtered by rule and/or severity.

    `number` counts from 1. With `clamp`, a number past the last page gives the last page
    (the web report); without, it gives an empty page (the API says how many there are).
    """
    size = max(1, min(size, MAX_PAGE_SIZE))
    number = max(1, number)
    key = issues_key(submission)
    if key is None:
        return Page([], 1, size, 0, rule, severity, record_columns=False)
    record_columns = all(name in stored_columns(key) for name in RECORD_COLUMNS)
    wanted = [*BASE_COLUMNS, *(RECORD_COLUMNS if record_columns else ())]
    where, parameters = _where(rule, severity)
    with _connect() as connection:
        connection.read_parquet(store.records().duckdb_sources([key])).create_view("issues")
        (total,) = connection.execute(
            f"SELECT count(*) FROM issues{where}",  # noqa: S608 - fixed clauses, bound values
            parameters,
        ).fetchone()
        pages = max(1, math.ceil(total / size))
        if clamp:
            number = min(number, pages)
        select = ", ".join(f'"{name}"' for name in wanted)
        cursor = connection.execute(
            f"SELECT {select} FROM issues{where} LIMIT ? OFFSET ?",  # noqa: S608
            [*parameters, size, (number - 1) * size],
        )
        rows = [dict(zip(wanted, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["item_name"] = item_name(row["item"])
        if not record_columns:
            row.update(site_code=None, accession_number=None)
    return Page(rows, number, size, int(total), rule, severity, record_columns)


def default_severity(submission) -> str:
    """What the report lists first: the errors, or the warnings when there are none."""
    return "error" if submission.error_count or not submission.warning_count else "warning"


def known_rules(submission) -> set[str]:
    return {count["rule"] for count in submission.rule_counts}


@dataclass(frozen=True)
class OtherProvider:
    code: str  # the site's parent's ODS code ("" when the site is unknown)
    name: str
    records: int
    authorised: bool  # the service desk has recorded that this organisation submits for it


@dataclass(frozen=True)
class OtherProviders:
    providers: list[OtherProvider]
    records: int  # records counted (the whole file, or the records with issues)
    whole_file: bool  # counted from the accepted records, not only those with issues

    @property
    def other_records(self) -> int:
        return sum(p.records for p in self.providers)


def _site_counts(submission) -> tuple[dict[str, int], int, bool] | None:
    """Records per site code: from the stored records when the file was accepted, else
    from the stored issues (once they carry site codes)."""
    entry = getattr(submission, "manifest_entry", None)
    if entry is not None:
        key, whole = entry.path, True
        query = "SELECT site_code, count(*) FROM stored GROUP BY site_code"
    else:
        key, whole = issues_key(submission), False
        if key is None or "site_code" not in stored_columns(key):
            return None
        query = (
            "SELECT site_code, count(DISTINCT record_number) FROM stored "
            "WHERE record_number IS NOT NULL GROUP BY site_code"
        )
    if not store.records().exists(key):
        return None
    with _connect() as connection:
        connection.read_parquet(store.records().duckdb_sources([key])).create_view("stored")
        counts = {site or "": int(n) for site, n in connection.execute(query).fetchall()}
    return counts, sum(counts.values()), whole


def other_providers(submission) -> OtherProviders | None:
    """Records whose site belongs to a provider other than the submitting organisation,
    grouped by that provider (the site's parent in the ODS data), each marked as
    authorised or not (authority.providers_for)."""
    found = _site_counts(submission)
    if found is None:
        return None
    counts, total, whole = found
    own = submission.organisation.code
    parents = dict(
        Organisation.objects.filter(code__in=[c for c in counts if c]).values_list(
            "code", "parent_code"
        )
    )
    by_provider: dict[str, int] = {}
    for site, n in counts.items():
        # A site code that is itself an organisation code (a trust's own code) is its own.
        parent = parents.get(site) or (site if site in parents else "")
        if parent in (own, ""):
            continue  # its own, or an unknown site (a rule of its own, not a provider)
        by_provider[parent] = by_provider.get(parent, 0) + n
    names = dict(
        Organisation.objects.filter(code__in=[c for c in by_provider if c]).values_list(
            "code", "name"
        )
    )
    allowed = providers_for(own, submission.period)
    providers = sorted(
        (
            OtherProvider(code, names.get(code, code), n, code in allowed)
            for code, n in by_provider.items()
        ),
        key=lambda p: (-p.records, p.code),
    )
    return OtherProviders(providers, total, whole)
