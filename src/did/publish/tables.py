"""The published tables: names, titles, columns and what each column means.

Every table is long (one row per key), sorted by its key columns, with England (and,
where given, region) totals as rows of their own. Count columns are published after
disclosure control (rounded to 5, see disclosure.py); day columns are whole days.
"""

from dataclasses import dataclass

ENGLAND = "ENGLAND"
ENGLAND_NAME = "England"
UNKNOWN_REGION = "UNKNOWN"
UNKNOWN_REGION_NAME = "Region not known"

# PATIENT SOURCE SETTING TYPE (DIAGNOSTIC IMAGING), data item 8.
SOURCE_SETTINGS: dict[str, str] = {
    "01": "Admitted Patient Care - Inpatient (this Health Care Provider)",
    "02": "Admitted Patient Care - Day case (this Health Care Provider)",
    "03": "Outpatient (this Health Care Provider)",
    "04": "GP Direct Access",
    "05": "Accident and Emergency Department (this Health Care Provider)",
    "06": "Other Health Care Provider",
    "07": "Other",
}
GP_DIRECT_ACCESS = "04"
UNKNOWN_SOURCE_NAME = "Not known"

MEASURES: dict[str, str] = {
    "request_to_test": "Days from the test request to the test",
    "test_to_report": "Days from the test to the issue of its report",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "text", "count" (disclosure-controlled), "number", "days", "percent"
    description: str


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def count_columns(self) -> list[str]:
        return [column.name for column in self.columns if column.kind == "count"]


_PERIOD = Column("period", "text", "Month of the test, YYYY-MM")
_PROVIDER = Column(
    "provider_code", "text", "ODS code of the provider, or ENGLAND for the national total"
)
_MODALITY = Column("modality", "text", "Imaging modality, from the imaging code reference")

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        Table(
            "modality_provider_counts",
            "Imaging activity by provider and modality",
            "Number of imaging tests in each month, by provider and modality, with England "
            "totals (provider_code ENGLAND).",
            (_PERIOD, _PROVIDER, _MODALITY, Column("activity", "count", "Number of tests")),
        ),
        Table(
            "modality_region_counts",
            "Imaging activity by NHS England region and modality",
            "Number of imaging tests in each month, by the provider's NHS England region and "
            "modality, with England totals.",
            (
                _PERIOD,
                Column("region_code", "text", "NHS England region code, or ENGLAND"),
                Column("region_name", "text", "NHS England region name"),
                _MODALITY,
                Column("activity", "count", "Number of tests"),
            ),
        ),
        Table(
            "source_setting_counts",
            "Imaging activity by patient source setting",
            "Number of imaging tests in each month by where the patient was referred from, "
            "including GP direct access (04), by provider with England totals.",
            (
                _PERIOD,
                _PROVIDER,
                Column("patient_source_setting", "text", "Patient source setting code (01-07)"),
                Column("source_setting", "text", "Patient source setting"),
                Column("activity", "count", "Number of tests"),
            ),
        ),
        Table(
            "waiting_times",
            "Days from request to test and from test to report",
            "Median and 90th percentile of whole days, by provider and modality, with "
            "England figures. Shown only where at least the minimum number of tests had "
            "both dates.",
            (
                _PERIOD,
                _PROVIDER,
                _MODALITY,
                Column("measure", "text", "request_to_test or test_to_report"),
                Column("tests", "count", "Number of tests with both dates"),
                Column("median_days", "days", "Median days (nearest rank)"),
                Column("p90_days", "days", "90th percentile days (nearest rank)"),
            ),
        ),
        Table(
            "cancer_tests",
            "Imaging tests that could contribute to early diagnosis of cancer",
            "Tests in the cancer test groups, from GP direct access and from all sources, "
            "with median days from request to test, by provider with England totals.",
            (
                _PERIOD,
                _PROVIDER,
                Column("cancer_group", "text", "Cancer test group"),
                Column("gp_direct_access", "count", "Tests requested by GP direct access"),
                Column("all_sources", "count", "Tests from all referral sources"),
                Column(
                    "gp_median_days_request_to_test",
                    "days",
                    "Median days from request to test, GP direct access",
                ),
                Column(
                    "all_median_days_request_to_test",
                    "days",
                    "Median days from request to test, all sources",
                ),
            ),
        ),
        Table(
            "completeness",
            "England totals and organisations included",
            "All imaging tests in England each month, and the share of the expected "
            "organisations whose data are included.",
            (
                _PERIOD,
                Column("activity", "count", "Number of tests in England"),
                Column("organisations_included", "number", "Organisations with data this month"),
                Column("organisations_expected", "number", "Organisations expected to submit"),
                Column("percent_included", "percent", "Share of organisations included, %"),
            ),
        ),
    )
}
