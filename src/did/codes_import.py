"""Turn an official-style NICIP to SNOMED CT mapping file into the imaging code reference.

Accepted input: CSV, tab-separated text or an Excel workbook (.xlsx, first sheet; title
rows above the header are skipped). Column names are matched without regard to case,
spaces, underscores or hyphens:

  NICIP code (required)         "NICIP code", "NICIP short code", "NICIP", "Code"
  description (required)        "NICIP description", "NICIP short description", "Description"
  SNOMED CT concept id          "SNOMED CT concept id", "SNOMED CT code", "SNOMED code", "Concept id"
  SNOMED CT description         "SNOMED CT description", "SNOMED CT term", "FSN"
  modality                      "Modality" (text such as CT, MRI, X-ray, Ultrasound, ...)
  body region                   "Body region", "Region"
  valid from / valid to         "Valid from", "Effective from", "Start date" /
                                "Valid to", "End date", "Inactive from"
                                (CCYY-MM-DD, CCYYMMDD or DD/MM/CCYY)

Output (did.imaging_codes.CODE_COLUMNS): one NICIP row per NICIP code with its snomed_map,
plus one SNOMED-CT row per distinct concept (modality and body region: the commonest among
the NICIP codes mapping to it). Modality is never guessed from the first letter of the NICIP
code (did-publications.md §3.4); unrecognised modality text becomes "Unknown" and is counted.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from did.imaging_codes import CODE_COLUMNS, NICIP, SNOMED_CT, is_snomed_concept_id
from did.spec.derived import MODALITIES, UNKNOWN_MODALITY

HEADERS: dict[str, tuple[str, ...]] = {
    "nicip": ("nicipcode", "nicipshortcode", "nicip", "code", "nicipid"),
    "description": (
        "nicipdescription",
        "nicipshortdescription",
        "nicipname",
        "description",
        "nicipterm",
    ),
    "snomed": (
        "snomedctconceptid",
        "snomedctcode",
        "snomedctid",
        "snomedct",
        "snomedcode",
        "snomedconceptid",
        "snomedctimagingcode",
        "conceptid",
        "snomed",
    ),
    "snomed_description": (
        "snomedctdescription",
        "snomeddescription",
        "snomedctterm",
        "snomedctimagingdescription",
        "snomedctpreferredterm",
        "fsn",
    ),
    "modality": ("modality",),
    "body_region": ("bodyregion", "region"),
    "valid_from": ("validfrom", "effectivefrom", "startdate", "activefrom", "effectivedate"),
    "valid_to": ("validto", "enddate", "inactivefrom", "retireddate", "withdrawn"),
}

MODALITY_WORDS: dict[str, str] = {
    **{m.lower(): m for m in MODALITIES},
    **dict.fromkeys(
        ("xr", "xray", "x ray", "plain film", "plain xray", "radiography", "plain radiography",
         "general radiography", "mammography", "dr", "cr"), "Plain Radiography"),
    **dict.fromkeys(
        ("ct", "computed tomography", "computerised tomography", "computerized tomography",
         "cat", "computerised axial tomography"), "Computerized Axial Tomography"),
    **dict.fromkeys(
        ("us", "uss", "ultrasound", "ultrasonography", "diagnostic ultrasound"),
        "Diagnostic Ultrasonography"),
    **dict.fromkeys(
        ("mr", "mri", "magnetic resonance", "magnetic resonance imaging"),
        "Magnetic Resonance Imaging"),
    **dict.fromkeys(("fl", "rf", "fluoro", "fluoroscopy", "screening"), "Fluoroscopy"),
    **dict.fromkeys(
        ("nm", "nuclear medicine", "nuclear medicine procedure", "radionuclide"),
        "Nuclear Medicine"),
    **dict.fromkeys(
        ("pet", "pet ct", "petct", "pet mr", "positron emission tomography"),
        "Positron Emission Tomography"),
    **dict.fromkeys(
        ("spect", "spect ct", "single photon emission computed tomography",
         "single photon emission computerised tomography"),
        "Single Photon Emission Computerized Tomography"),
    **dict.fromkeys(
        ("mp", "photography", "medical photography", "clinical photography"),
        "Medical Photography"),
}  # fmt: skip


class CodesImportError(ValueError):
    """The mapping file cannot be imported; the message says where and why."""


@dataclass
class ImportSummary:
    nicip_codes: int = 0
    snomed_codes: int = 0
    unknown_modality: int = 0
    duplicates_ignored: int = 0
    notes: list[str] = field(default_factory=list)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _modality(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
    return MODALITY_WORDS.get(words, MODALITY_WORDS.get(words.replace(" ", ""), UNKNOWN_MODALITY))


def _date(text: str, line: int, column: str) -> str:
    text = text.strip()
    if not text:
        return ""
    for pattern, order in (
        (r"^(\d{4})-(\d{2})-(\d{2})", (1, 2, 3)),
        (r"^(\d{4})(\d{2})(\d{2})$", (1, 2, 3)),
        (r"^(\d{1,2})/(\d{1,2})/(\d{4})$", (3, 2, 1)),
    ):
        match = re.match(pattern, text)
        if match:
            y, m, d = (int(match.group(i)) for i in order)
            return f"{y:04d}-{m:02d}-{d:02d}"
    raise CodesImportError(f"line {line}: {column} {text!r} is not a date (use CCYY-MM-DD)")


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, values) rows, from CSV, TSV or the first sheet of a workbook."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        raw = [
            (n, ["" if v is None else str(v).strip() for v in row])
            for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    else:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        dialect = "excel-tab" if text.split("\n", 1)[0].count("\t") else "excel"
        raw = [
            (n, [v.strip() for v in row])
            for n, row in enumerate(csv.reader(io.StringIO(text), dialect=dialect), start=1)
        ]
    nicip_names = set(HEADERS["nicip"])
    for index, (_, values) in enumerate(raw[:30]):
        if any(_key(v) in nicip_names for v in values):
            return values, [r for r in raw[index + 1 :] if any(r[1])]
    raise CodesImportError(f"{path.name}: no header row naming a NICIP code column was found")


def import_nicip_mapping(path: str | Path) -> pl.DataFrame:
    """The imaging code reference built from a NICIP to SNOMED CT mapping file."""
    return import_with_summary(path)[0]


def import_with_summary(path: str | Path) -> tuple[pl.DataFrame, ImportSummary]:
    path = Path(path)
    header, rows = _read_rows(path)
    keys = [_key(h) for h in header]
    where: dict[str, int] = {}
    for field_name, names in HEADERS.items():
        for name in names:  # the first listed name wins, so "NICIP code" beats "Code"
            if name in keys:
                where[field_name] = keys.index(name)
                break
    for required in ("nicip", "description"):
        if required not in where:
            raise CodesImportError(f"{path.name}: no {required.replace('_', ' ')} column found")

    def value(row: list[str], name: str) -> str:
        index = where.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    summary = ImportSummary()
    nicip_rows: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    snomed_text: dict[str, str] = {}
    for line, row in rows:
        code = value(row, "nicip").upper()
        if not re.fullmatch(r"[A-Z0-9]{1,6}", code):
            problems.append(f"line {line}: NICIP code {code!r} is not 1 to 6 letters or digits")
            continue
        snomed = value(row, "snomed")
        if snomed.endswith(".0"):  # numbers read from a workbook
            snomed = snomed[:-2]
        if snomed and not is_snomed_concept_id(snomed):
            problems.append(f"line {line}: {snomed!r} is not a valid SNOMED CT concept id")
            continue
        if code in nicip_rows:
            summary.duplicates_ignored += 1
            continue
        modality = _modality(value(row, "modality")) if "modality" in where else UNKNOWN_MODALITY
        summary.unknown_modality += modality == UNKNOWN_MODALITY
        nicip_rows[code] = {
            "code_system": NICIP,
            "code": code,
            "description": value(row, "description"),
            "modality": modality,
            "body_region": value(row, "body_region"),
            "valid_from": _date(value(row, "valid_from"), line, "valid from"),
            "valid_to": _date(value(row, "valid_to"), line, "valid to"),
            "snomed_map": snomed,
        }
        if snomed and snomed not in snomed_text:
            snomed_text[snomed] = value(row, "snomed_description") or value(row, "description")
    if problems:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise CodesImportError(f"{path.name}: {shown}{more}")
    if not nicip_rows:
        raise CodesImportError(f"{path.name}: the file holds no NICIP codes")

    nicip = pl.DataFrame(list(nicip_rows.values()), schema=dict.fromkeys(CODE_COLUMNS, pl.Utf8))
    snomed = (
        nicip.filter(pl.col("snomed_map") != "")
        .group_by("snomed_map", maintain_order=True)
        .agg(
            pl.col("modality").mode().sort().first(),
            pl.col("body_region").mode().sort().first(),
        )
        .select(
            pl.lit(SNOMED_CT).alias("code_system"),
            pl.col("snomed_map").alias("code"),
            pl.col("snomed_map")
            .replace_strict(snomed_text, default="", return_dtype=pl.Utf8)
            .alias("description"),
            "modality",
            "body_region",
            *(pl.lit("").alias(c) for c in ("valid_from", "valid_to", "snomed_map")),
        )
    )
    summary.nicip_codes, summary.snomed_codes = nicip.height, snomed.height
    return pl.concat([nicip, snomed]).select(CODE_COLUMNS), summary
