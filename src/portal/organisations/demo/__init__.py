"""Demo organisations: real English NHS trusts, sites and GP practices (public ODS codes)."""

from pathlib import Path

from portal.organisations.services import import_ods_files

DEMO_DIR = Path(__file__).parent


def load(stdout) -> list[str]:
    files = [DEMO_DIR / name for name in ("etr.csv", "ets.csv", "epraccur.csv")]
    counts = import_ods_files(files, actor="demo")
    stdout.write(f"Demo organisations: {counts.added} added, {counts.unchanged} already present.")
    return []
