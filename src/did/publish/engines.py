"""The engines: the only code that reads records. Both run the same SQL text.

Each engine computes three cubes of exact integer counts from the derived-record Parquet
files (ADR 052). Medians, totals and disclosure control are then computed from the cubes
by shared Polars code, so DuckDB and Spark give the same answer by construction of the
work they do, and a test checks it cell for cell.

- `activity`: tests by period, provider, modality, patient source setting, cancer group;
- `request_to_test`: tests by period, provider, modality, cancer group, GP direct access
  flag and whole days from request to test (tests with both dates);
- `test_to_report`: tests by period, provider, modality and days from test to report;
- `commissioner`: tests by period, the sub-ICB location and ICB that commission the
  patient's registered GP practice (from the ODS GP practice file), and modality;
- `age_gender`: tests by period, modality, five-year age band (its first year; 90 for 90
  and over, -1 where the age is not known) and PERSON GENDER CODE.
"""

import os
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from did.publish.periods import Window

ENGINES = ("duckdb", "spark")

UNKNOWN_COMMISSIONER = "UNKNOWN"
AGE_NOT_KNOWN = -1
OLDEST_BAND = 90

# The cancer group of a record: its NICIP code's group, else its SNOMED CT code's group.
# The commissioner: the registered practice's, from the ODS GP practice file.
_RECORDS = """
SELECT r.period, r.provider_code, r.modality, r.patient_source_setting,
       COALESCE(n.cancer_group, s.cancer_group) AS cancer_group,
       CASE WHEN r.patient_source_setting = '04' THEN 1 ELSE 0 END AS gp_direct_access,
       r.days_request_to_test, r.days_test_to_report,
       COALESCE(g.sub_icb_code, '{unknown}') AS sub_icb_code,
       COALESCE(g.icb_code, '{unknown}') AS icb_code,
       CASE WHEN r.age_at_test IS NULL OR r.age_at_test < 0 THEN {age_not_known}
            WHEN r.age_at_test >= {oldest} THEN {oldest}
            ELSE CAST(FLOOR(r.age_at_test / 5.0) AS INT) * 5 END AS age_band,
       r.gender
FROM records r
LEFT JOIN (SELECT code, cancer_group FROM cancer_codes WHERE code_system = 'NICIP') n
       ON r.nicip_code = n.code
LEFT JOIN (SELECT code, cancer_group FROM cancer_codes WHERE code_system = 'SNOMED-CT') s
       ON r.snomed_code = s.code
LEFT JOIN practices g ON r.gp_practice = g.practice_code
WHERE r.period >= '{start}' AND r.period <= '{end}'
"""

CUBE_SQL = {
    "activity": """
SELECT period, provider_code, modality, patient_source_setting, cancer_group,
       CAST(COUNT(*) AS BIGINT) AS tests
FROM ({records}) t
GROUP BY period, provider_code, modality, patient_source_setting, cancer_group
""",
    "request_to_test": """
SELECT period, provider_code, modality, cancer_group, gp_direct_access,
       CAST(days_request_to_test AS INT) AS days, CAST(COUNT(*) AS BIGINT) AS tests
FROM ({records}) t
WHERE days_request_to_test IS NOT NULL
GROUP BY period, provider_code, modality, cancer_group, gp_direct_access, days_request_to_test
""",
    "test_to_report": """
SELECT period, provider_code, modality,
       CAST(days_test_to_report AS INT) AS days, CAST(COUNT(*) AS BIGINT) AS tests
FROM ({records}) t
WHERE days_test_to_report IS NOT NULL
GROUP BY period, provider_code, modality, days_test_to_report
""",
    "commissioner": """
SELECT period, sub_icb_code, icb_code, modality, CAST(COUNT(*) AS BIGINT) AS tests
FROM ({records}) t
GROUP BY period, sub_icb_code, icb_code, modality
""",
    "age_gender": """
SELECT period, modality, CAST(age_band AS INT) AS age_band, gender,
       CAST(COUNT(*) AS BIGINT) AS tests
FROM ({records}) t
GROUP BY period, modality, age_band, gender
""",
}

CUBE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "activity": {
        "period": pl.Utf8,
        "provider_code": pl.Utf8,
        "modality": pl.Utf8,
        "patient_source_setting": pl.Utf8,
        "cancer_group": pl.Utf8,
        "tests": pl.Int64,
    },
    "request_to_test": {
        "period": pl.Utf8,
        "provider_code": pl.Utf8,
        "modality": pl.Utf8,
        "cancer_group": pl.Utf8,
        "gp_direct_access": pl.Int32,
        "days": pl.Int32,
        "tests": pl.Int64,
    },
    "test_to_report": {
        "period": pl.Utf8,
        "provider_code": pl.Utf8,
        "modality": pl.Utf8,
        "days": pl.Int32,
        "tests": pl.Int64,
    },
    "commissioner": {
        "period": pl.Utf8,
        "sub_icb_code": pl.Utf8,
        "icb_code": pl.Utf8,
        "modality": pl.Utf8,
        "tests": pl.Int64,
    },
    "age_gender": {
        "period": pl.Utf8,
        "modality": pl.Utf8,
        "age_band": pl.Int32,
        "gender": pl.Utf8,
        "tests": pl.Int64,
    },
}

CANCER_CODES_SCHEMA = {"code_system": pl.Utf8, "code": pl.Utf8, "cancer_group": pl.Utf8}
PRACTICES_SCHEMA = {"practice_code": pl.Utf8, "sub_icb_code": pl.Utf8, "icb_code": pl.Utf8}


@dataclass(frozen=True)
class Cubes:
    activity: pl.DataFrame
    request_to_test: pl.DataFrame
    test_to_report: pl.DataFrame
    commissioner: pl.DataFrame
    age_gender: pl.DataFrame

    def as_dict(self) -> dict[str, pl.DataFrame]:
        return {name: getattr(self, name) for name in CUBE_SQL}


def _normalise(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Same column types and row order whichever engine produced the cube."""
    schema = CUBE_SCHEMAS[name]
    frame = frame.select([pl.col(column).cast(dtype) for column, dtype in schema.items()])
    keys = [column for column in schema if column != "tests"]
    return frame.sort(keys, nulls_last=True)


def _sql(name: str, window: Window) -> str:
    records = _RECORDS.format(
        start=window.start,
        end=window.end,
        unknown=UNKNOWN_COMMISSIONER,
        age_not_known=AGE_NOT_KNOWN,
        oldest=OLDEST_BAND,
    )
    return CUBE_SQL[name].format(records=records)


def _file_list(files: Iterable) -> list:
    """Paths (or addresses Spark reads itself, such as s3a://bucket/key) in a stable order;
    or open binary files, as given, which DuckDB reads with its own Parquet reader (how the
    portal hands over objects from object storage)."""
    files = list(files)
    if not files:
        raise ValueError("there are no accepted records to publish (no Parquet files given)")
    if all(isinstance(f, str | os.PathLike) for f in files):
        return sorted(os.fspath(f) for f in files)
    return files


def _cancer_frame(cancer_codes: pl.DataFrame | None) -> pl.DataFrame:
    if cancer_codes is None:
        return pl.DataFrame(schema=CANCER_CODES_SCHEMA)
    return cancer_codes.select([pl.col(c).cast(t) for c, t in CANCER_CODES_SCHEMA.items()]).unique(
        subset=["code_system", "code"], keep="first", maintain_order=True
    )


def _practices_frame(practices: pl.DataFrame | None) -> pl.DataFrame:
    """GP practice -> commissioning sub-ICB location and ICB; blank codes are unknown."""
    if practices is None:
        return pl.DataFrame(schema=PRACTICES_SCHEMA)
    return (
        practices.select([pl.col(c).cast(t) for c, t in PRACTICES_SCHEMA.items()])
        .with_columns(pl.all().str.strip_chars().replace("", None))
        .filter(pl.col("practice_code").is_not_null())
        .unique(subset=["practice_code"], keep="first", maintain_order=True)
    )


def duckdb_cubes(
    files,
    window: Window,
    cancer_codes: pl.DataFrame | None = None,
    practices: pl.DataFrame | None = None,
) -> Cubes:
    import duckdb

    connection = duckdb.connect()
    try:
        cancer = _cancer_frame(cancer_codes)  # noqa: F841 - read by name below
        gp = _practices_frame(practices)  # noqa: F841 - read by name below
        connection.execute("CREATE TABLE cancer_codes AS SELECT * FROM cancer")
        connection.execute("CREATE TABLE practices AS SELECT * FROM gp")
        connection.read_parquet(_file_list(files), union_by_name=True).create_view("records")
        return Cubes(
            **{
                name: _normalise(
                    name, pl.from_arrow(connection.sql(_sql(name, window)).to_arrow_table())
                )
                for name in CUBE_SQL
            }
        )
    finally:
        connection.close()


def spark_session(master: str | None = None, driver_java_options: str = ""):
    """One local (or cluster) session per process; getOrCreate reuses a running one.

    `driver_java_options` go to the driver's JVM when this call starts it (the tests ask
    for the JIT's quick tier only: their queries are small and many, and a session's
    first queries are mostly compiling)."""
    import logging

    from pyspark.sql import SparkSession

    # py4j logs connection shutdowns at INFO from finalizers, after logging has closed.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    builder = (
        SparkSession.builder.appName("did-publish")
        .master(master or "local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
    )
    if driver_java_options:
        builder = builder.config("spark.driver.extraJavaOptions", driver_java_options)
    return builder.getOrCreate()


def spark_cubes(
    files,
    window: Window,
    cancer_codes: pl.DataFrame | None = None,
    master: str | None = None,
    practices: pl.DataFrame | None = None,
) -> Cubes:
    spark = spark_session(master)
    paths = _file_list(files)
    spark.read.option("mergeSchema", "true").parquet(*paths).createOrReplaceTempView("records")
    cancer = _cancer_frame(cancer_codes)
    spark.createDataFrame(
        cancer.rows(), schema="code_system string, code string, cancer_group string"
    ).createOrReplaceTempView("cancer_codes")
    spark.createDataFrame(
        _practices_frame(practices).rows(),
        schema="practice_code string, sub_icb_code string, icb_code string",
    ).createOrReplaceTempView("practices")
    return Cubes(
        **{
            name: _normalise(name, pl.from_arrow(spark.sql(_sql(name, window)).toArrow()))
            for name in CUBE_SQL
        }
    )


def compute_cubes(
    files,
    window: Window,
    *,
    engine: str = "duckdb",
    cancer_codes: pl.DataFrame | None = None,
    spark_master: str | None = None,
    practices: pl.DataFrame | None = None,
) -> Cubes:
    if engine == "duckdb":
        return duckdb_cubes(files, window, cancer_codes, practices)
    if engine == "spark":
        return spark_cubes(files, window, cancer_codes, spark_master, practices)
    raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
