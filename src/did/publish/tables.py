"""The published tables: names, titles, columns and what each column means.

Every tidy table is long (one row per key), sorted by its key columns, with England (and,
where given, region) totals as rows of their own. Count columns are published after
disclosure control (rounded to 5, see disclosure.py); day columns are whole days. Each
column has a snake_case name (JSON, code) and a heading in words (CSV and workbooks).
Provider rows carry the provider's name, NHS England region and ICB (ADR 056).

The wide tables (wide.py) are the same counts laid out as NHS England publishes Table 1:
one row per provider and modality, one column per month of the financial year.
"""

from dataclasses import dataclass

ENGLAND = "ENGLAND"
ENGLAND_NAME = "England"
UNKNOWN_REGION = "UNKNOWN"
UNKNOWN_REGION_NAME = "Region not known"

# NHS England's seven regions, by their ODS codes (the ODS "national grouping").
REGION_NAMES: dict[str, str] = {
    "Y56": "London",
    "Y58": "South West",
    "Y59": "South East",
    "Y60": "Midlands",
    "Y61": "East of England",
    "Y62": "North West",
    "Y63": "North East and Yorkshire",
}

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

# PERSON GENDER CODE (CURRENT), data item 5.
GENDERS: dict[str, str] = {
    "1": "Male",
    "2": "Female",
    "9": "Not specified",
    "0": "Not known",
}
GENDER_NOT_KNOWN = "Not known"
AGE_NOT_KNOWN_NAME = "Not known"
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
    heading: str = ""  # in words, for CSV and workbooks; default: from the name

    @property
    def title(self) -> str:
        return self.heading or self.name.replace("_", " ").capitalize()


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
    def headings(self) -> list[str]:
        return [column.title for column in self.columns]

    @property
    def count_columns(self) -> list[str]:
        return [column.name for column in self.columns if column.kind == "count"]


_PERIOD = Column("period", "text", "Month of the test, YYYY-MM", "Month")
_PROVIDER_CODE = Column(
    "provider_code",
    "text",
    "ODS code of the provider, or ENGLAND for the national total",
    "Org Code",
)
# The provider and where it sits: Table 1's Region Code, Org Code, Provider Name, and ICB.
PROVIDER_PLACE: tuple[Column, ...] = (
    Column("region_code", "text", "NHS England region code of the provider", "Region Code"),
    Column("region_name", "text", "NHS England region of the provider", "Region Name"),
    Column("icb_code", "text", "Integrated care board of the provider, where known", "ICB Code"),
    _PROVIDER_CODE,
    Column("provider_name", "text", "Name of the provider (ODS)", "Provider Name"),
)
_PROVIDER = PROVIDER_PLACE
_MODALITY = Column(
    "modality", "text", "Imaging modality, from the imaging code reference", "Modality"
)
_ACTIVITY = Column("activity", "count", "Number of tests", "Activity")

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        Table(
            "modality_provider_counts",
            "Imaging activity by provider and modality",
            "Number of imaging tests in each month, by provider and modality, with England "
            "totals (provider_code ENGLAND).",
            (_PERIOD, *_PROVIDER, _MODALITY, _ACTIVITY),
        ),
        Table(
            "modality_region_counts",
            "Imaging activity by NHS England region and modality",
            "Number of imaging tests in each month, by the provider's NHS England region and "
            "modality, with England totals.",
            (
                _PERIOD,
                Column("region_code", "text", "NHS England region code, or ENGLAND", "Region Code"),
                Column("region_name", "text", "NHS England region name", "Region Name"),
                _MODALITY,
                _ACTIVITY,
            ),
        ),
        Table(
            "source_setting_counts",
            "Imaging activity by patient source setting",
            "Number of imaging tests in each month by where the patient was referred from, "
            "including GP direct access (04), by provider with England totals.",
            (
                _PERIOD,
                *_PROVIDER,
                Column(
                    "patient_source_setting",
                    "text",
                    "Patient source setting code (01-07)",
                    "Patient Source Setting Code",
                ),
                Column(
                    "source_setting", "text", "Patient source setting", "Patient Source Setting"
                ),
                _ACTIVITY,
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
                *_PROVIDER,
                _MODALITY,
                Column("measure", "text", "request_to_test or test_to_report", "Measure"),
                Column("tests", "count", "Number of tests with both dates", "Tests"),
                Column("median_days", "days", "Median days (nearest rank)", "Median Days"),
                Column(
                    "p90_days",
                    "days",
                    "90th percentile days (nearest rank)",
                    "90th Percentile Days",
                ),
            ),
        ),
        Table(
            "cancer_tests",
            "Imaging tests that could contribute to early diagnosis of cancer",
            "Tests in the cancer test groups, from GP direct access and from all sources, "
            "with median days from request to test, by provider with England totals.",
            (
                _PERIOD,
                *_PROVIDER,
                Column("cancer_group", "text", "Cancer test group", "Cancer Test Group"),
                Column(
                    "gp_direct_access",
                    "count",
                    "Tests requested by GP direct access",
                    "GP Direct Access",
                ),
                Column("all_sources", "count", "Tests from all referral sources", "All Sources"),
                Column(
                    "gp_median_days_request_to_test",
                    "days",
                    "Median days from request to test, GP direct access",
                    "Median Days Request to Test (GP Direct Access)",
                ),
                Column(
                    "all_median_days_request_to_test",
                    "days",
                    "Median days from request to test, all sources",
                    "Median Days Request to Test (All Sources)",
                ),
            ),
        ),
        Table(
            "commissioner_counts",
            "Imaging activity by commissioner and modality",
            "Number of imaging tests in each month by the sub-ICB location and integrated "
            "care board that commission the patient's registered GP practice (from the ODS "
            "GP practice file), with England totals. UNKNOWN: the practice is not known "
            "(for example V81999) or not in the file.",
            (
                _PERIOD,
                Column("icb_code", "text", "Integrated care board of the practice", "ICB Code"),
                Column(
                    "sub_icb_code",
                    "text",
                    "Sub-ICB location of the practice, or ENGLAND",
                    "Sub-ICB Location Code",
                ),
                _MODALITY,
                _ACTIVITY,
            ),
        ),
        Table(
            "age_gender_counts",
            "Imaging activity by age band, gender and modality (annual)",
            "Number of imaging tests in England over the financial year by the patient's "
            "age at the test in five-year bands and their gender, for each modality. In the "
            "annual release only.",
            (
                _MODALITY,
                Column("age_band", "text", "Age at the test, in years", "Age Band"),
                Column("gender", "text", "Person gender code (current)", "Gender"),
                _ACTIVITY,
            ),
        ),
        Table(
            "completeness",
            "England totals and organisations included",
            "All imaging tests in England each month, and the share of the expected "
            "organisations whose data are included.",
            (
                _PERIOD,
                Column("activity", "count", "Number of tests in England", "Activity"),
                Column(
                    "organisations_included",
                    "number",
                    "Organisations with data this month",
                    "Organisations Included",
                ),
                Column(
                    "organisations_expected",
                    "number",
                    "Organisations expected to submit",
                    "Organisations Expected",
                ),
                Column(
                    "percent_included",
                    "percent",
                    "Share of organisations included, %",
                    "Percent Included",
                ),
            ),
        ),
    )
}
