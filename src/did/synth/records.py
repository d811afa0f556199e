"""Valid synthetic DID records, generated a chunk at a time, column-wise.

Every record generated here passes every rule that needs no reference data:
birth <= request <= received <= test <= report <= file received, request to test at most
300 days, report at most 28 days after the test, valid codes from the imaging code reference,
unique (site, accession number). Errors are added afterwards (did.synth.errors).
"""

import datetime as dt
from dataclasses import dataclass

import polars as pl

from did.spec.derived import MODALITIES
from did.synth.population import Provider
from did.synth.random import Streams

# Modality mix: the published national counts for April-December 2012 (did-publications.md
# §4.1, five modalities), with small shares for the modalities that table leaves out.
NATIONAL_COUNTS_2012 = {
    "Plain Radiography": 14_513_625,
    "Diagnostic Ultrasonography": 4_684_365,
    "Computerized Axial Tomography": 2_189_465,
    "Magnetic Resonance Imaging": 1_519_790,
    "Fluoroscopy": 641_980,
}
OTHER_SHARES = {  # fractions of all activity (inferred, not published in that table)
    "Nuclear Medicine": 0.009,
    "Positron Emission Tomography": 0.002,
    "Single Photon Emission Computerized Tomography": 0.001,
    "Medical Photography": 0.0002,
}


def modality_shares() -> dict[str, float]:
    main_total = sum(NATIONAL_COUNTS_2012.values())
    main_share = 1.0 - sum(OTHER_SHARES.values())
    shares = {m: main_share * c / main_total for m, c in NATIONAL_COUNTS_2012.items()}
    return shares | OTHER_SHARES


# Within a modality codes are equally likely except these common examinations.
COMMON_CODE_WEIGHTS = {
    "XCHES": 14.0, "XKNEB": 1.5, "XLSPI": 1.5, "XMAMB": 1.0, "UABDO": 5.0, "UABPE": 3.0,
    "UPELV": 3.0, "UOBDA": 3.0, "CHEAD": 6.0, "CCHES": 3.0, "CCAPC": 3.0, "CABPEC": 3.0,
    "MBRAI": 4.0, "MHEAD": 2.0, "MLSPI": 3.0, "NBONE": 3.0, "FVIDS": 2.0, "FBASW": 2.0,
}  # fmt: skip

SETTINGS = (("01", 14.0), ("02", 3.0), ("03", 28.0), ("04", 30.0), ("05", 21.0), ("06", 3.0),
            ("07", 1.0))  # fmt: skip
# Median days from request to test, and mean days from test to report, by modality.
MEDIAN_WAIT = {
    "Plain Radiography": 2, "Diagnostic Ultrasonography": 18, "Computerized Axial Tomography": 12,
    "Magnetic Resonance Imaging": 25, "Fluoroscopy": 20, "Nuclear Medicine": 20,
    "Positron Emission Tomography": 8, "Single Photon Emission Computerized Tomography": 20,
    "Medical Photography": 5, "Unknown": 10,
}  # fmt: skip
MEAN_REPORT_DAYS = {
    "Plain Radiography": 1.5, "Diagnostic Ultrasonography": 0.3,
    "Computerized Axial Tomography": 1.5, "Magnetic Resonance Imaging": 3.5, "Fluoroscopy": 1.5,
    "Nuclear Medicine": 2.5, "Positron Emission Tomography": 2.0,
    "Single Photon Emission Computerized Tomography": 2.5, "Medical Photography": 0.2,
    "Unknown": 2.0,
}  # fmt: skip
MAX_WAIT_DAYS = 300
MAX_REPORT_DAYS = 28
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


@dataclass(frozen=True)
class Plan:
    """Everything a chunk needs, fixed for the whole file."""

    seed: int
    rows: int
    start: dt.date  # first day of the period
    end: dt.date  # last day of the period
    received: dt.date  # the date the file is taken to be received
    providers: tuple[Provider, ...]
    patients: pl.DataFrame
    codes: pl.DataFrame  # NICIP rows usable in the period: code, snomed_map, modality


def usable_codes(codes: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """NICIP codes valid throughout the period, with their weights and modality index."""
    date = pl.col("valid_from").str.to_date("%Y-%m-%d", strict=False)
    until = pl.col("valid_to").str.to_date("%Y-%m-%d", strict=False)
    frame = codes.filter(
        (pl.col("code_system") == "NICIP")
        & pl.col("modality").is_in(MODALITIES)
        & (pl.col("modality") != "Unknown")
        & (date.is_null() | (date <= start))
        & (until.is_null() | (until >= end))
    )
    if frame.is_empty():
        raise ValueError("the imaging code reference has no NICIP codes valid in the period")
    return (
        frame.select("code", "snomed_map", "modality")
        .with_columns(
            weight=pl.col("code").replace_strict(
                COMMON_CODE_WEIGHTS, default=1.0, return_dtype=pl.Float64
            ),
            modality_index=pl.col("modality").replace_strict(
                {m: i for i, m in enumerate(MODALITIES)}, return_dtype=pl.Int64
            ),
        )
        .sort("modality_index", "code")
    )


def base_records(plan: Plan, first: int, count: int) -> pl.DataFrame:
    """`count` valid records, the first being record number `first + 1` of the file."""
    s = Streams(plan.seed, "records", first)
    n = count
    patient = plan.patients.gather(s.integers("patient", n, plan.patients.height))
    frame = patient.with_columns(
        row=pl.int_range(first, first + n, dtype=pl.Int64),
    )
    frame = frame.with_columns(_sites(plan, frame["provider"], s))
    frame = frame.with_columns(_codes(plan, n, s))
    frame = frame.with_columns(
        patient_source_setting=s.choice("setting", n, *zip(*SETTINGS, strict=True)),
    )
    frame = frame.with_columns(_dates(plan, frame, s))
    frame = frame.with_columns(_referrals(plan, frame, s))
    return frame.with_columns(
        nhs_number=pl.when(pl.col("nhs_missing")).then(pl.lit("")).otherwise("nhs_full"),
        accession_number=pl.col("site_code").str.slice(0, 3)
        + ((pl.col("row") * 7_777_777 + 1_234_567) % 10**9).cast(pl.Utf8).str.zfill(9),
    )


def _sites(plan: Plan, provider: pl.Series, s: Streams) -> list[pl.Series]:
    sites = [list(p.sites) for p in plan.providers]
    lists = pl.Series(sites).gather(provider)
    pick = s.uniform("site", provider.len())
    site = (
        pl.DataFrame({"l": lists, "u": pick})
        .select(pl.col("l").list.get((pl.col("u") * pl.col("l").list.len()).cast(pl.Int64)))
        .to_series()
    )
    codes = pl.Series([p.code for p in plan.providers]).gather(provider)
    return [site.alias("site_code"), codes.alias("provider_code")]


def _codes(plan: Plan, n: int, s: Streams) -> list[pl.Series]:
    codes = plan.codes
    shares = modality_shares()
    present = codes["modality"].unique(maintain_order=True).to_list()
    weights = [shares.get(m, 0.0) for m in present]
    if sum(weights) == 0:
        weights = [1.0] * len(present)
    modality = pl.Series(present).gather(s.index("modality", n, weights))
    # Pick a code within the modality: a cumulative weight table over codes sorted by
    # modality, searched at (modality's start + u * modality's total weight).
    cumulative = codes["weight"].cum_sum()
    bounds = (
        codes.with_columns(cum=cumulative)
        .group_by("modality", maintain_order=True)
        .agg(low=pl.col("cum").first() - pl.col("weight").first(), total=pl.col("weight").sum())
    )
    target = (
        pl.DataFrame({"modality": modality, "u": s.uniform("code", n)})
        .join(bounds, on="modality", how="left", maintain_order="left")
        .select(pl.col("low") + pl.col("u") * pl.col("total"))
        .to_series()
    )
    index = cumulative.search_sorted(target, side="right").clip(0, codes.height - 1)
    nicip = codes["code"].gather(index)
    snomed = codes["snomed_map"].gather(index)
    # Submitters send NICIP, SNOMED CT or both; SNOMED CT only when the code is mapped.
    how = s.uniform("code_kind", n)
    mapped = snomed != ""
    return [
        pl.Series("nicip_code", pl.select(
            pl.when(mapped & (how >= 0.55) & (how < 0.75)).then(pl.lit("")).otherwise(nicip)
        ).to_series()),
        pl.Series("snomed_code", pl.select(
            pl.when(mapped & (how >= 0.55)).then(snomed).otherwise(pl.lit(""))
        ).to_series()),
        modality.alias("modality"),
    ]  # fmt: skip


def _dates(plan: Plan, frame: pl.DataFrame, s: Streams) -> list[pl.Expr]:
    n = frame.height
    days = (plan.end - plan.start).days + 1
    day_weights = [
        {5: 0.55, 6: 0.45}.get((plan.start + dt.timedelta(d)).weekday(), 1.0) for d in range(days)
    ]
    test_offset = s.index("test_day", n, day_weights)
    emergency = frame["patient_source_setting"].is_in(["01", "05"])
    median = frame["modality"].replace_strict(MEDIAN_WAIT, return_dtype=pl.Float64)
    planned = (median.log() + s.normal("wait", n)).exp().floor().clip(0, MAX_WAIT_DAYS)
    urgent = s.index("urgent_wait", n, [75, 18, 4, 2, 1])
    wait = pl.select(pl.when(emergency).then(urgent).otherwise(planned)).to_series()
    lag = s.index("received_lag", n, [80, 10, 6, 4])
    mean_report = frame["modality"].replace_strict(MEAN_REPORT_DAYS, return_dtype=pl.Float64)
    report_days = (
        (-(1.0 - s.uniform("report", n)).log() * mean_report).floor().clip(0, MAX_REPORT_DAYS)
    )
    no_report = s.uniform("no_report", n) < 0.01
    start = pl.lit(plan.start)
    test = start + pl.duration(days=pl.lit(test_offset))
    birth = start - pl.duration(days=pl.col("age_days"))
    request = pl.max_horizontal(test - pl.duration(days=pl.lit(wait)), birth)
    received = pl.min_horizontal(request + pl.duration(days=pl.lit(lag)), test)
    report = test + pl.duration(days=pl.lit(report_days))
    # Reports not issued by the time the file is sent are blank, as in a real extract.
    report = (
        pl.when(pl.lit(no_report) | (report > pl.lit(plan.received))).then(None).otherwise(report)
    )
    return [
        birth.alias("birth_full"),
        birth.alias("birth_day"),
        request.alias("request_day"),
        received.alias("received_day"),
        test.alias("test_day"),
        report.alias("report_day"),
    ]


def _referrals(plan: Plan, frame: pl.DataFrame, s: Streams) -> list[pl.Expr]:
    n = frame.height
    kind = s.choice(
        "referrer_kind",
        n,
        ["consultant", "nurse", "physio", "dentist", "midwife", "unknown", "other"],
        [85, 7, 2, 1, 1, 3, 1],
    )
    seven = s.integers("referrer_number", n, 9_000_000) + 1_000_000
    consultant = "C" + (
        (frame["provider"] * 1000 + s.integers("consultant", n, 400)) % 9_000_000 + 1_000_000
    ).cast(pl.Utf8)
    letters = pl.Series(list(LETTERS))
    nurse = (
        (s.integers("pin_year", n, 50) + 50).cast(pl.Utf8)
        + letters.gather(s.integers("pin_l1", n, len(LETTERS)))
        + (s.integers("pin_no", n, 10_000)).cast(pl.Utf8).str.zfill(4)
        + letters.gather(s.integers("pin_l2", n, len(LETTERS)))
    )
    setting = pl.col("patient_source_setting")
    referrer = (
        pl.when(setting == "04").then(pl.lit("G") + pl.lit(seven.cast(pl.Utf8)))
        .when(pl.lit(kind) == "consultant").then(pl.lit(consultant))
        .when(pl.lit(kind) == "nurse").then(pl.lit(nurse))
        .when(pl.lit(kind) == "physio").then(pl.lit("PH") + pl.lit(seven.cast(pl.Utf8)).str.slice(1))
        .when(pl.lit(kind) == "dentist").then(pl.lit("D") + pl.lit(seven.cast(pl.Utf8)).str.slice(1))
        .when(pl.lit(kind) == "midwife").then(pl.lit("M9999998"))
        .when(pl.lit(kind) == "other").then(pl.lit("H9999998"))
        .otherwise(pl.lit("X9999998"))
    )  # fmt: skip
    other_provider = pl.Series([p.code for p in plan.providers]).gather(
        s.integers("other_provider", n, len(plan.providers))
    )
    practice = pl.col("gp_practice")
    known_practice = (practice != "") & (practice != "V81999")
    referring = (
        pl.when((setting == "04") & known_practice).then(practice)
        .when(setting == "04").then(pl.lit("X99999"))
        .when(setting == "06").then(pl.lit(other_provider))
        .when(setting == "07").then(pl.lit("X99998"))
        .otherwise(pl.col("provider_code"))
    )  # fmt: skip
    return [referrer.alias("referrer_code"), referring.alias("referring_org")]
