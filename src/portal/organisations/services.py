from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from portal.audit.services import record
from portal.organisations.models import Organisation
from portal.organisations.ods import read_rows


@dataclass
class ImportCounts:
    added: int = 0
    updated: int = 0
    closed: int = 0
    unchanged: int = 0
    files: list[str] = field(default_factory=list)


_FIELDS = (
    "name",
    "kind",
    "parent_code",
    "region_code",
    "icb_code",
    "commissioner_code",
    "postcode",
    "open_date",
    "close_date",
)


def import_ods_files(paths: list[Path], actor=None) -> ImportCounts:
    """Upsert every row of every file in one transaction: a bad line imports nothing."""
    parsed = [(path, read_rows(path)) for path in paths]  # parse all before writing anything
    counts = ImportCounts(files=[p.name for p in paths])
    with transaction.atomic():
        for _path, rows in parsed:
            existing = Organisation.objects.in_bulk([r.code for r in rows], field_name="code")
            for row in rows:
                current = existing.get(row.code)
                values = {name: getattr(row, name) for name in _FIELDS}
                if current is None:
                    Organisation.objects.create(code=row.code, **values)
                    counts.added += 1
                    if row.close_date:
                        counts.closed += 1
                    continue
                changed = [n for n in _FIELDS if getattr(current, n) != values[n]]
                if not changed:
                    counts.unchanged += 1
                    continue
                if current.close_date is None and row.close_date is not None:
                    counts.closed += 1
                for name in changed:
                    setattr(current, name, values[name])
                current.save()
                counts.updated += 1
        record(
            actor,
            "organisations.import_ods",
            target=", ".join(counts.files),
            details={
                "added": counts.added,
                "updated": counts.updated,
                "closed": counts.closed,
                "unchanged": counts.unchanged,
            },
        )
    return counts
