"""The derived record: what the engine adds to each accepted record.

This is the contract between the validator/derivations (writers), the record store and the
publications (readers). Submissions store accepted records as Parquet with the 18 item
columns (strings, trimmed; NHS number normalised) followed by these derived columns.
"""

# The publication's modality vocabulary, exactly as NHS England prints it.
MODALITIES: tuple[str, ...] = (
    "Computerized Axial Tomography",
    "Diagnostic Ultrasonography",
    "Fluoroscopy",
    "Magnetic Resonance Imaging",
    "Plain Radiography",
    "Nuclear Medicine",
    "Positron Emission Tomography",
    "Single Photon Emission Computerized Tomography",
    "Medical Photography",
    "Unknown",
)
UNKNOWN_MODALITY = "Unknown"

# name -> (Polars dtype name, meaning). Dates are pl.Date; day counts are Int32 (null when
# either date is missing); strings are pl.Utf8.
DERIVED_COLUMNS: dict[str, tuple[str, str]] = {
    "record_number": ("Int64", "1-based line (CSV) or ImagingActivity position (XML)"),
    "period": ("Utf8", "reporting period YYYY-MM: the month of the test date"),
    "test_day": ("Date", "DIAGNOSTIC TEST DATE as a date"),
    "provider_code": (
        "Utf8",
        "the site's parent organisation, else the site code's first 3 characters",
    ),
    "modality": ("Utf8", "one of MODALITIES, from the imaging code reference"),
    "body_region": ("Utf8", "body region from the imaging code reference, or null"),
    "referrer_type": ("Utf8", "Consultant, GP, Dentist, Nurse, Midwife, ... or Not Known"),
    "age_at_test": ("Int32", "whole years between birth date and test date, or null"),
    "days_request_to_test": ("Int32", "test date minus request date"),
    "days_received_to_test": ("Int32", "test date minus request-received date"),
    "days_test_to_report": ("Int32", "report issue date minus test date"),
}
