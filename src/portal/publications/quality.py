"""The data-quality dashboard: how complete and how clean each provider's accepted data
are, month by month, against all providers (ADR 058).

Drawn from what is already stored: the record store's current Parquet files (through
portal.store's current_files) and the rule counts the validator left on each
accepted submission. Nothing is recomputed from uploads. Counts here are the provider's own
data shown to its own people and the service desk, so they are exact, not rounded.
"""

from dataclasses import dataclass, field

import duckdb
import polars as pl

from did.publish.periods import shift
from did.spec.codes import GP_PRACTICE_DEFAULT_CODES, REFERRER_DEFAULT_CODES
from did.spec.items import ITEMS
from portal.store import api as store
from portal.submissions.models import Submission

UNKNOWN_PRACTICE = "V81999"
# The referrer default codes that mean "not known" (did.spec.codes, spec §1.3).
UNKNOWN_REFERRERS = tuple(
    code for code, meaning in REFERRER_DEFAULT_CODES.items() if "not known" in meaning
)
assert UNKNOWN_PRACTICE in GP_PRACTICE_DEFAULT_CODES
ALL = "ALL"
MONTHS_SHOWN = 13


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _measures_sql() -> str:
    filled = [
        f"CAST(COUNT(NULLIF(TRIM(CAST({_quote(i.name)} AS VARCHAR)), '')) AS BIGINT) "
        f"AS {_quote('filled_' + i.name)}"
        for i in ITEMS
    ]
    referrers = ", ".join(f"'{code}'" for code in UNKNOWN_REFERRERS)
    return ",\n".join(
        [
            "CAST(COUNT(*) AS BIGINT) AS records",
            *filled,
            f"CAST(SUM(CASE WHEN UPPER(gp_practice) = '{UNKNOWN_PRACTICE}' THEN 1 ELSE 0 END)"
            " AS BIGINT) AS unknown_practice",
            f"CAST(SUM(CASE WHEN UPPER(referrer_code) IN ({referrers}) THEN 1 ELSE 0 END)"
            " AS BIGINT) AS unknown_referrer",
            "quantile_disc(days_request_to_test, 0.5) AS median_request_to_test",
            "quantile_disc(days_test_to_report, 0.5) AS median_test_to_report",
        ]
    )


# Each record's organisation: the one whose accepted submission it came from.
OWNER = "store_organisation"


def _records_view(connection, files: list[store.CurrentFile]) -> None:
    """`records`: every record of `files`, read by DuckDB's own Parquet reader from the
    record store, with the organisation whose submission it came from."""
    by_organisation: dict[str, list[str]] = {}
    for file in files:
        by_organisation.setdefault(file.organisation_code, []).append(file.key)
    parts = []
    for number, (code, keys) in enumerate(sorted(by_organisation.items())):
        sources = store.records().duckdb_sources(keys)
        connection.read_parquet(sources, union_by_name=True).create_view(f"part_{number}")
        owner = code.replace("'", "''")  # an ODS code; quoted all the same
        parts.append(f"SELECT *, '{owner}' AS {OWNER} FROM part_{number}")  # noqa: S608
    connection.execute("CREATE VIEW records AS " + " UNION ALL BY NAME ".join(parts))


def _measures(files: list[store.CurrentFile]) -> pl.DataFrame:
    """Per organisation (and ALL) and period: records, filled items, default codes, medians,
    from the accepted Parquet objects `files`."""
    if not files:
        return pl.DataFrame()
    connection = duckdb.connect()
    try:
        _records_view(connection, files)
        measures = _measures_sql()
        # Built from constants only (item names, default codes): no value from a user.
        sql = f"""
            SELECT {OWNER} AS organisation, period, {measures}
            FROM records
            GROUP BY {OWNER}, period
            UNION ALL
            SELECT '{ALL}' AS organisation, period, {measures}
            FROM records
            GROUP BY period
        """  # noqa: S608
        return pl.from_arrow(connection.sql(sql).to_arrow_table())
    finally:
        connection.close()


@dataclass
class Month:
    period: str
    records: int
    all_records: int
    completeness: list[tuple[str, float, float]]  # item name, provider %, all providers %
    unknown_practice: tuple[float, float]
    unknown_referrer: tuple[float, float]
    median_request_to_test: tuple[int | None, int | None]
    median_test_to_report: tuple[int | None, int | None]
    rules: list[dict] = field(default_factory=list)  # rule, severity, message, count, all


@dataclass
class Dashboard:
    organisation_code: str
    months: list[Month]


def _percent(part, whole) -> float:
    return round(100 * (part or 0) / whole, 1) if whole else 0.0


def _rule_rows(submission_ids: list[str], organisation_for: dict[str, str]) -> pl.DataFrame:
    rows = []
    for submission_id, rule_counts in Submission.objects.filter(pk__in=submission_ids).values_list(
        "id", "rule_counts"
    ):
        organisation, period = organisation_for[str(submission_id)]
        for item in rule_counts or []:
            rows.append((organisation, period, item["rule"], item["severity"],
                         item.get("message", ""), int(item["count"])))  # fmt: skip
    return pl.DataFrame(
        rows,
        schema=["organisation", "period", "rule", "severity", "message", "count"],
        orient="row",
    )


def dashboard(organisation_code: str, latest: str | None = None) -> Dashboard:
    """The provider's last 13 months with data (to `latest`), against all providers.

    Only the files of those 13 months are read (the manifest says which they are)."""
    own = [
        f.period
        for f in store.current_files(None, latest)
        if f.organisation_code == organisation_code
    ]
    if not own:
        return Dashboard(organisation_code, [])
    current = store.current_files(shift(max(own), 1 - MONTHS_SHOWN), max(own))
    measures = _measures(current)
    if measures.is_empty():
        return Dashboard(organisation_code, [])
    periods = sorted(
        set(measures.filter(pl.col("organisation") == organisation_code)["period"]), reverse=True
    )[:MONTHS_SHOWN]
    by_key = {(r["organisation"], r["period"]): r for r in measures.iter_rows(named=True)}
    organisation_for = {f.submission_id: (f.organisation_code, f.period) for f in current}
    rules = _rule_rows(list(organisation_for), organisation_for)
    months = []
    for period in periods:
        mine, everyone = by_key[(organisation_code, period)], by_key[(ALL, period)]
        n, total = mine["records"], everyone["records"]
        month_rules = rules.filter(pl.col("period") == period)
        all_counts = month_rules.group_by(["rule", "severity"]).agg(pl.col("count").sum())
        all_counts = {(r, s): c for r, s, c in all_counts.rows()}
        own = month_rules.filter(pl.col("organisation") == organisation_code).sort(
            ["severity", "count", "rule"], descending=[False, True, False]
        )
        months.append(
            Month(
                period=period,
                records=n,
                all_records=total,
                completeness=[
                    (
                        item.title,
                        _percent(mine["filled_" + item.name], n),
                        _percent(everyone["filled_" + item.name], total),
                    )
                    for item in ITEMS
                ],
                unknown_practice=(
                    _percent(mine["unknown_practice"], n),
                    _percent(everyone["unknown_practice"], total),
                ),
                unknown_referrer=(
                    _percent(mine["unknown_referrer"], n),
                    _percent(everyone["unknown_referrer"], total),
                ),
                median_request_to_test=(
                    mine["median_request_to_test"],
                    everyone["median_request_to_test"],
                ),
                median_test_to_report=(
                    mine["median_test_to_report"],
                    everyone["median_test_to_report"],
                ),
                rules=[
                    {
                        "rule": rule,
                        "severity": severity,
                        "message": message,
                        "count": count,
                        "all": all_counts.get((rule, severity), count),
                    }
                    for _, _, rule, severity, message, count in own.rows()
                ],
            )
        )
    return Dashboard(organisation_code, months)
