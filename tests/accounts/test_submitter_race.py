"""The 6-submitter cap holds when approvals race, each in its own database connection.

Runs on SQLite (writes serialised by BEGIN IMMEDIATE) and on PostgreSQL (the
organisation row lock taken with SELECT … FOR UPDATE).
"""

import threading

import pytest
from django.db import connections

from portal.accounts import services
from portal.accounts.models import Membership
from portal.accounts.roles import Role
from portal.accounts.services import SubmitterLimitReached
from tests.accounts.factories import UserFactory, grant
from tests.organisations.factories import TrustFactory

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 8


def _race(organisation, people, actor):
    barrier = threading.Barrier(len(people))
    outcomes, errors = [], []

    def approve(person):
        try:
            barrier.wait(timeout=30)
            services.grant_role(person, Role.SUBMITTER, organisation, actor=actor)
            outcomes.append("granted")
        except SubmitterLimitReached:
            outcomes.append("refused")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes, errors


def test_concurrent_approvals_never_give_an_organisation_more_than_six_submitters():
    organisation = TrustFactory(code="RR8")
    desk = UserFactory()
    grant(desk, Role.SERVICE_DESK)
    people = [UserFactory() for _ in range(RACERS)]
    outcomes, errors = _race(organisation, people, desk)
    assert errors == []
    assert sorted(outcomes) == ["granted"] * 6 + ["refused"] * (RACERS - 6)
    active = Membership.objects.filter(
        organisation=organisation, role=Role.SUBMITTER, revoked_at=None
    )
    assert active.count() == 6


def test_concurrent_approvals_fill_only_the_places_left():
    organisation = TrustFactory(code="RR8")
    desk = UserFactory()
    grant(desk, Role.SERVICE_DESK)
    for _ in range(4):
        grant(UserFactory(), Role.SUBMITTER, organisation)
    people = [UserFactory() for _ in range(5)]
    outcomes, errors = _race(organisation, people, desk)
    assert errors == []
    assert sorted(outcomes) == ["granted"] * 2 + ["refused"] * 3
    assert services.active_submitter_count(organisation) == 6
