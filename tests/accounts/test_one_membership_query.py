"""Issue 16 (Low): "membership queries are written in five places, MAX_SUBMITTERS twice".

Every question about who holds which role goes through Membership.objects.active (through
portal.accounts.permissions for scoping); nothing else filters memberships by hand, so a
rule about them (revoked roles, above all) lives in one place (ADR 070).
"""

import re
from pathlib import Path

import portal

SOURCE = Path(portal.__file__).parent
# The one place: the query itself, and the model's constraints on it.
ALLOWED = {SOURCE / "accounts" / "models.py"}
HAND_WRITTEN = re.compile(
    r"memberships__"  # a lookup across the relation
    r"|\.memberships\.(?:filter|exclude|all|get)\("  # a person's memberships by hand
    r"|Membership\.objects\.(?:filter|exclude|all|get)\("  # the table by hand
    r"|Membership\.objects\.active\(\)\.filter\("  # the one query, then narrowed by hand
)


def _modules():
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" not in path.parts and path not in ALLOWED:
            yield path


def test_nothing_but_the_one_query_asks_about_memberships():
    found = [
        f"{path.relative_to(SOURCE)}:{number}: {line.strip()}"
        for path in _modules()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if HAND_WRITTEN.search(line)
    ]
    assert found == []


def test_the_submitter_cap_is_declared_once():
    declared = [
        path.relative_to(SOURCE)
        for path in _modules()
        if re.search(r"^MAX_SUBMITTERS\s*=", path.read_text(), re.MULTILINE)
    ]
    assert declared == [Path("accounts/roles.py")]
