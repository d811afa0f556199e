"""Synthetic providers (trusts and their imaging sites) and patients.

The first providers are the portal's demo trusts (src/portal/organisations/demo/) so that
synthetic files line up with the demo organisations; further providers get made-up but
well-formed NHS trust codes (R + two characters) with sites numbered 01, 02, ...
"""

from dataclasses import dataclass
from datetime import date
from functools import cache

import polars as pl

from did.synth.random import Streams
from did.validate.reference_checks import GP_PRACTICE_KINDS


@dataclass(frozen=True)
class Provider:
    code: str
    sites: tuple[str, ...]
    districts: tuple[str, ...]  # postcode districts its patients live in
    practice_prefix: str  # GP practices: prefix + 3 digits (unless `practices` names them)
    weight: float  # relative activity
    practices: tuple[str, ...] = ()  # GP practices its patients are registered with

    def practice_codes(self) -> tuple[str, ...]:
        return self.practices or tuple(f"{self.practice_prefix}{n:03d}" for n in range(1, 13))


DEMO_PROVIDERS: tuple[Provider, ...] = (
    Provider("RJ1", ("RJ121", "RJ122"), ("SE1", "SE11", "SE17", "SE5", "SW9", "SE15"), "G85", 3.0),
    Provider("RR8", ("RR801", "RR813"), ("LS9", "LS1", "LS6", "LS8", "LS13", "LS15"), "B86", 3.0),
    Provider("RXF", ("RXF05", "RXF10"), ("WF1", "WF2", "WF13", "WF17", "WF10"), "B87", 2.0),
    Provider("RTH", ("RTH08", "RTH02"), ("OX3", "OX4", "OX1", "OX2", "OX14"), "K84", 2.5),
    Provider("RRV", ("RRV03",), ("NW1", "N19", "NW5", "N7", "WC1E"), "F83", 2.0),
    Provider("RM3", ("RM301",), ("M6", "M5", "M7", "M27", "M30"), "P87", 2.5),
)

# Postcode districts for made-up providers, spread across England.
_DISTRICTS = (
    "B15", "B23", "BS1", "BS7", "CB2", "CV1", "DE1", "DN2", "EX2", "GL1", "HU3", "L7", "L9",
    "LE1", "LE5", "LN2", "ME7", "MK6", "NE1", "NE7", "NG5", "NG7", "NR4", "PE3", "PL6", "PO6",
    "PR2", "RG1", "S10", "S5", "SO16", "SR4", "ST4", "TS4", "WV10", "YO31", "BN2", "CT1", "DY1",
)  # fmt: skip
_CODE_CHARS = "ABCDEFGHJKLMNPQRSTVWXY0123456789"
_PRACTICE_LETTERS = "ABCDEFGHJKLMNP"
_SECTOR_LETTERS = "ABDEFGHJLNPQRSTUWXY"  # inward-code letters never include C I K M O V


def providers_from_reference(
    organisations: pl.DataFrame,
    count: int,
    start: date,
    end: date,
    only: tuple[str, ...] = (),
) -> tuple[Provider, ...]:
    """Providers drawn from ODS reference data (did.reference): trusts open through the
    period with at least one site open through it, and GP practices open through it, so
    that a clean file validates against that reference with no error. `only` names the
    trusts to use (all of them, in code order, by default); `count` caps how many."""
    kind = pl.col("kind").cast(pl.String).str.to_lowercase()
    open_through = (pl.col("open_date").is_null() | (pl.col("open_date") <= start)) & (
        pl.col("close_date").is_null() | (pl.col("close_date") >= end)
    )
    usable = organisations.filter(open_through)
    sites = (
        usable.filter(kind == "nhs_trust_site").group_by("parent_code").agg(pl.col("code").sort())
    )
    site_lists = dict(zip(sites["parent_code"], sites["code"].to_list(), strict=True))
    trusts = usable.filter(kind == "nhs_trust")["code"].sort().to_list()
    wanted = [code.upper() for code in only] or trusts
    missing = [code for code in wanted if code not in trusts or code not in site_lists]
    if missing:
        raise ValueError(
            f"the reference data has no open trust with an open site for: {', '.join(missing)}"
        )
    practices = tuple(usable.filter(kind.is_in(GP_PRACTICE_KINDS))["code"].sort().to_list())
    demo = {p.code: p for p in DEMO_PROVIDERS}
    chosen = []
    for i, code in enumerate(wanted[:count]):
        districts = (
            demo[code].districts
            if code in demo
            else tuple(_DISTRICTS[(i * 5 + j) % len(_DISTRICTS)] for j in range(4))
        )
        chosen.append(
            Provider(code, tuple(site_lists[code]), districts, "V81", 1.0, practices or ("V81999",))
        )
    return tuple(chosen)


def providers(count: int) -> tuple[Provider, ...]:
    """`count` providers: the demo trusts first, then made-up R-codes."""
    if count < 1:
        raise ValueError("--providers must be at least 1")
    chosen = list(DEMO_PROVIDERS[:count])
    taken = {p.code for p in DEMO_PROVIDERS}
    n = 0
    while len(chosen) < count:
        # Walk the two-character space with a stride so neighbours look unrelated.
        k = (n * 37 + 11) % (len(_CODE_CHARS) ** 2)
        n += 1
        code = "R" + _CODE_CHARS[k // len(_CODE_CHARS)] + _CODE_CHARS[k % len(_CODE_CHARS)]
        if code in taken:
            continue
        taken.add(code)
        i = len(chosen)
        sites = tuple(f"{code}{s:02d}" for s in range(1, 2 + i % 3))
        districts = tuple(_DISTRICTS[(i * 5 + j) % len(_DISTRICTS)] for j in range(4))
        prefix = f"{_PRACTICE_LETTERS[i % len(_PRACTICE_LETTERS)]}{81 + i % 9}"
        chosen.append(Provider(code, sites, districts, prefix, 1.0 + (i * 7 % 10) / 5))
    return tuple(chosen)


# Patient mix. Shares are plausible, not national statistics.
GENDERS = (("1", 45.0), ("2", 54.0), ("9", 0.5), ("0", 0.5))
ETHNIC = (
    ("A", 68.0), ("B", 1.0), ("C", 5.0), ("D", 0.6), ("E", 0.5), ("F", 0.5), ("G", 0.7),
    ("H", 2.6), ("J", 2.0), ("K", 0.8), ("L", 1.6), ("M", 1.1), ("N", 1.8), ("P", 0.5),
    ("R", 0.7), ("S", 1.6), ("Z", 8.0), ("99", 3.0),
)  # fmt: skip
NHS_NUMBER_STATUS = (("01", 96.0), ("02", 3.0), ("03", 1.0))
MAX_PATIENTS = 818_000  # a little under the count of valid numbers _valid_test_numbers lists


def patients(count: int, provider_list: tuple[Provider, ...], streams: Streams) -> pl.DataFrame:
    """A patient pool: identifiers, demographics and a home provider index per patient."""
    n = max(1, min(count, MAX_PATIENTS))
    weights = [p.weight for p in provider_list]
    provider = streams.index("provider", n, weights)
    district_lists = [list(p.districts) for p in provider_list]
    district = (
        pl.DataFrame(
            {
                "list": pl.Series(district_lists).gather(provider),
                "u": streams.uniform("district", n),
            }
        )
        .select(
            pl.col("list").list.get(
                (pl.col("u") * pl.col("list").list.len()).floor().cast(pl.Int64)
            )
        )
        .to_series()
    )
    sector = streams.integers("sector", n, 10).cast(pl.Utf8)
    unit1 = pl.Series(list(_SECTOR_LETTERS)).gather(
        streams.integers("unit1", n, len(_SECTOR_LETTERS))
    )
    unit2 = pl.Series(list(_SECTOR_LETTERS)).gather(
        streams.integers("unit2", n, len(_SECTOR_LETTERS))
    )
    practice_lists = pl.Series([list(p.practice_codes()) for p in provider_list]).gather(provider)
    practice = (
        pl.DataFrame({"list": practice_lists, "k": streams.integers("practice", n, 12)})
        .select(pl.col("list").list.get(pl.col("k") % pl.col("list").list.len()))
        .to_series()
    )

    # Age: weighted towards older people, as imaging activity is.
    age_years = (streams.uniform("age", n).pow(0.8) * 98).floor().cast(pl.Int64)
    age_days = age_years * 365 + streams.integers("age_days", n, 365)

    frame = pl.DataFrame(
        {
            "provider": provider,
            "nhs_full": _nhs_numbers(n, streams),
            "nhs_missing": streams.uniform("nhs_missing", n) < 0.01,
            "nhs_number_status": streams.choice("status", n, *zip(*NHS_NUMBER_STATUS, strict=True)),
            "age_days": age_days,
            "ethnic_category": streams.choice("ethnic", n, *zip(*ETHNIC, strict=True)),
            "gender": streams.choice("gender", n, *zip(*GENDERS, strict=True)),
            "postcode": district + " " + sector + unit1 + unit2,
            "gp_practice": practice,
            "pc_u": streams.uniform("postcode_kind", n),
            "gp_u": streams.uniform("gp_kind", n),
        }
    )
    return frame.with_columns(
        # A few people have no number yet (status 03: trace required).
        pl.when(pl.col("nhs_missing")).then(pl.lit("03")).otherwise(pl.col("nhs_number_status"))
        .alias("nhs_number_status"),
        pl.when(pl.col("pc_u") < 0.004).then(pl.lit("ZZ99 3VZ"))  # no fixed abode
        .when(pl.col("pc_u") < 0.008).then(pl.lit(""))
        .otherwise(pl.col("postcode")).alias("postcode"),
        pl.when(pl.col("gp_u") < 0.01).then(pl.lit("V81999"))  # practice not known
        .when(pl.col("gp_u") < 0.015).then(pl.lit(""))
        .otherwise(pl.col("gp_practice")).alias("gp_practice"),
    ).drop("pc_u", "gp_u")  # fmt: skip


def _nhs_numbers(n: int, streams: Streams) -> pl.Series:
    """Distinct NHS numbers in the 999 test range, each passing the modulus 11 check.

    Every candidate 999 number whose eighth digit is not 9 is listed (so none can be a
    "palindrome": first five digits the reverse of the last five needs digits 8-10 to be 9);
    those whose check digit would be 10 are dropped; patients take distinct entries by a
    multiplicative bijection with a seeded offset.
    """
    valid = _valid_test_numbers()
    offset = int(streams.integers("nhs_offset", 1, valid.len())[0])
    slot = (pl.int_range(0, n, eager=True, dtype=pl.Int64) * 768_143 + offset) % valid.len()
    return valid.gather(slot).alias("nhs_full")


@cache
def _valid_test_numbers() -> pl.Series:
    base = pl.DataFrame({"stem": pl.int_range(0, 1_000_000, eager=True, dtype=pl.Int64)})
    digits = [pl.col("stem") // 10 ** (5 - k) % 10 for k in range(6)]  # digits 4..9
    weighted = sum((d * w for d, w in zip(digits, (7, 6, 5, 4, 3, 2), strict=True)), pl.lit(9 * 27))
    check = (11 - weighted % 11) % 11
    return (
        base.filter(digits[4] != 9)
        .with_columns(check=check)
        .filter(pl.col("check") != 10)
        .select((999 * 10**7 + pl.col("stem") * 10 + pl.col("check")).cast(pl.Utf8))
        .to_series()
    )
