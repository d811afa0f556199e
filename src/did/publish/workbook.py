"""The Table 1 workbook as NHS England publishes it: Cover, Notes and Provider sheets.

Rendered on request from the release's wide CSV (an XLSX file carries timestamps, so it
is not a release file and not in the manifest). Numbers are numbers; a withheld value is
the text [c]; every text cell passes through safe_text; the provider sheet's header row
and key columns are frozen. ADR 056.
"""

import io
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from did.publish.disclosure import ROUNDING_BASE, WITHHELD, WITHHELD_NOTE
from did.publish.release import safe_text
from did.publish.wide import KEY_HEADINGS
from did.spec.derived import MODALITIES

CONTACT = "england.did@nhs.net"
PROVIDER_SHEET = "Provider"
HEADER_ROW = 4  # title, period, a blank row, then the column headings

MODALITY_DEFINITIONS: dict[str, str] = {
    "Computerized Axial Tomography": "CT: cross-sectional images built from X-rays taken "
    "from many angles.",
    "Diagnostic Ultrasonography": "Ultrasound: images from high-frequency sound waves.",
    "Fluoroscopy": "Moving X-ray images, often with a contrast medium (for example a "
    "barium swallow).",
    "Magnetic Resonance Imaging": "MRI: images from a strong magnetic field and radio waves.",
    "Plain Radiography": "X-ray: still images from a single exposure.",
    "Nuclear Medicine": "Images of where a radioactive tracer gathers in the body, taken "
    "with a gamma camera.",
    "Positron Emission Tomography": "PET: images of a positron-emitting tracer, usually "
    "with CT (PET-CT).",
    "Single Photon Emission Computerized Tomography": "SPECT: three-dimensional nuclear "
    "medicine images.",
    "Medical Photography": "Clinical photographs recorded as imaging tests.",
    "Unknown": "The imaging code was not in the imaging code reference when the record "
    "was derived.",
}
assert set(MODALITY_DEFINITIONS) == set(MODALITIES), "every modality needs a definition"


@dataclass(frozen=True)
class Cover:
    title: str  # Table 1: Imaging activity by provider and modality, 2026-27
    period: str  # April 2026 to September 2026
    status: str  # Provisional / Final
    published: date
    cut_off: date  # submissions accepted up to and including this day
    suppress_below: int | None
    min_tests_for_days: int


def _bold(cell) -> None:
    cell.font = Font(bold=True)


def _cover(sheet, cover: Cover) -> None:
    sheet.title = "Cover"
    sheet["A1"] = safe_text(cover.title)
    sheet["A1"].font = Font(bold=True, size=14)
    rows = [
        ("Publication", "Diagnostic Imaging Dataset (DID) statistics"),
        ("Period", cover.period),
        ("Status", cover.status),
        ("Published", cover.published),
        ("Extract cut-off", f"Submissions accepted up to and including {cover.cut_off:%d %B %Y}"),
        ("Contact", CONTACT),
        ("Sheets", "Notes; Provider (one row per provider and modality, one column per month)"),
    ]
    for index, (key, value) in enumerate(rows, start=3):
        sheet.cell(index, 1, key)
        _bold(sheet.cell(index, 1))
        cell = sheet.cell(index, 2, safe_text(value))
        if isinstance(value, date):
            cell.number_format = "d mmmm yyyy"
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 80


def _notes(sheet, cover: Cover) -> None:
    suppression = (
        f"Counts from 1 to {cover.suppress_below - 1} are withheld and shown as {WITHHELD}."
        if cover.suppress_below
        else "No counts are withheld for being small: rounding is the only control."
    )
    notes = [
        ("Data quality", "The figures count imaging tests (examinations, not images) on NHS "
         "patients recorded on providers' radiology information systems and submitted to the "
         "Diagnostic Imaging Dataset. Activity not held on a radiology information system, such "
         "as breast screening, is not included. Provisional figures change as late submissions "
         "arrive; the annual release is the final record."),
        ("Extract cut-off", f"This release uses the submissions accepted up to and including "
         f"{cover.cut_off:%d %B %Y}. Data for a month are due by the 26th of the month after."),
        ("Rounding", f"Every count is rounded to the nearest {ROUNDING_BASE}, and every total "
         "(England, Year to date) is rounded independently from its own unrounded count, so "
         "totals may differ slightly from the sum of the rounded cells."),
        ("Suppression", suppression + " " + WITHHELD_NOTE),
        ("Medians", f"Medians of days are shown only where at least {cover.min_tests_for_days} "
         "tests contribute."),
        ("Modality", "The modality is derived from the SNOMED CT or NICIP imaging code of each "
         "record. Definitions follow."),
    ]  # fmt: skip
    notes += [(modality, MODALITY_DEFINITIONS[modality]) for modality in MODALITIES]
    sheet.title = "Notes"
    sheet["A1"] = "Notes"
    sheet["A1"].font = Font(bold=True, size=14)
    for index, (key, value) in enumerate(notes, start=3):
        sheet.cell(index, 1, safe_text(key))
        _bold(sheet.cell(index, 1))
        sheet.cell(index, 2, safe_text(value)).alignment = Alignment(wrap_text=True)
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 100


def _provider(sheet, cover: Cover, headings: list[str], rows: list[list]) -> None:
    sheet.title = PROVIDER_SHEET
    sheet["A1"] = safe_text(cover.title)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = safe_text(f"{cover.period}, {cover.status.lower()}")
    for column, heading in enumerate(headings, start=1):
        _bold(sheet.cell(HEADER_ROW, column, heading))
    keys = len(KEY_HEADINGS)
    for row in rows:
        sheet.append(
            [safe_text(v) for v in row[:keys]] + [WITHHELD if v is None else v for v in row[keys:]]
        )
    for row in sheet.iter_rows(min_row=HEADER_ROW + 1, min_col=keys + 1):
        for cell in row:
            if isinstance(cell.value, int):
                cell.number_format = "#,##0"
            else:
                cell.alignment = Alignment(horizontal="right")
    # The header row and the four key columns stay in view while scrolling.
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, keys + 1).coordinate
    for letter, width in zip("ABCD", (12, 10, 50, 44), strict=True):
        sheet.column_dimensions[letter].width = width


def table_1_workbook(cover: Cover, headings: list[str], rows: list[list]) -> bytes:
    workbook = Workbook()
    _cover(workbook.active, cover)
    _notes(workbook.create_sheet(), cover)
    _provider(workbook.create_sheet(), cover, headings, rows)
    workbook.properties.creator = "DID Portal"
    workbook.properties.title = cover.title
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
