"""The Caldicott Guardian register, kept by the service desk: one entry at a time, or a CSV.

A CSV import is all-or-nothing: every line is checked first and, if any line is wrong,
nothing is stored and every problem is reported with its line number.
"""

import csv
import datetime
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from portal.audit.services import record
from portal.certificates.models import CaldicottGuardian
from portal.certificates.rules import TELEPHONE_ERROR, normalise_telephone
from portal.organisations.models import Organisation

CSV_HEADER = ["name", "email", "telephone", "organisation_code", "registered_from", "registered_to"]


class RegisterImportError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class ImportResult:
    added: int
    unchanged: int


@transaction.atomic
def add_guardian(
    *, organisation, name, email, telephone, registered_from, registered_to, actor
) -> CaldicottGuardian:
    guardian = CaldicottGuardian.objects.create(
        organisation=organisation,
        name=" ".join(name.split()),
        email=email.strip().lower(),
        telephone=telephone.strip(),
        registered_from=registered_from,
        registered_to=registered_to,
    )
    record(
        actor,
        "certificates.guardian_registered",
        target=f"guardian:{guardian.pk}",
        organisation=organisation,
        details={
            "guardian_email": guardian.email,
            "registered_from": str(registered_from),
            "registered_to": str(registered_to or ""),
        },
    )
    return guardian


def _parse_date(text: str, label: str, problems: list[str], line: int):
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        problems.append(f"Line {line}: {label} must be a date like 2025-04-01, not “{text}”")
        return None


def _check_row(row: dict, line: int, organisations: dict, problems: list[str]):
    before = len(problems)
    name = " ".join((row.get("name") or "").split())
    email = (row.get("email") or "").strip().lower()
    telephone = (row.get("telephone") or "").strip()
    code = (row.get("organisation_code") or "").strip().upper()
    if not name:
        problems.append(f"Line {line}: enter the guardian's name")
    try:
        validate_email(email)
    except ValidationError:
        problems.append(f"Line {line}: “{email}” is not an email address")
    if telephone and normalise_telephone(telephone) is None:
        problems.append(f"Line {line}: {TELEPHONE_ERROR}")
    organisation = organisations.get(code)
    if organisation is None:
        problems.append(f"Line {line}: there is no organisation with the ODS code “{code}”")
    registered_from = _parse_date(row.get("registered_from"), "registered_from", problems, line)
    if not (row.get("registered_from") or "").strip():
        problems.append(f"Line {line}: registered_from is missing")
    registered_to = _parse_date(row.get("registered_to"), "registered_to", problems, line)
    if registered_from and registered_to and registered_to < registered_from:
        problems.append(f"Line {line}: registered_to is before registered_from")
    if len(problems) > before:
        return None
    return {
        "organisation": organisation,
        "name": name,
        "email": email,
        "telephone": telephone,
        "registered_from": registered_from,
        "registered_to": registered_to,
    }


def import_csv(data: bytes, *, actor) -> ImportResult:
    """Add every line of a register CSV, or nothing. Identical entries are skipped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegisterImportError(["The file is not UTF-8 text. Save it as CSV UTF-8"]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if header != CSV_HEADER:
        raise RegisterImportError(
            ["The first line must be the header: " + ",".join(CSV_HEADER) + " (in that order)"]
        )
    reader.fieldnames = header
    rows = list(enumerate(reader, start=2))
    if not rows:
        raise RegisterImportError(["The file has a header but no guardians"])
    codes = {(row.get("organisation_code") or "").strip().upper() for _, row in rows}
    organisations = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
    problems: list[str] = []
    checked = []
    for line, row in rows:
        if None in row:
            problems.append(f"Line {line}: has more than {len(CSV_HEADER)} columns")
            continue
        entry = _check_row(row, line, organisations, problems)
        if entry:
            checked.append(entry)
    if problems:
        raise RegisterImportError(problems)
    added = unchanged = 0
    with transaction.atomic():
        for entry in checked:
            if CaldicottGuardian.objects.filter(**entry).exists():
                unchanged += 1
                continue
            add_guardian(actor=actor, **entry)
            added += 1
        record(
            actor,
            "certificates.register_imported",
            details={"added": added, "unchanged": unchanged},
        )
    return ImportResult(added=added, unchanged=unchanged)
