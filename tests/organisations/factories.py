import datetime

import factory

from portal.organisations.models import Organisation, OrganisationKind


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n:02d}"[:3] if n < 100 else f"Q{n % 100:02d}")
    name = factory.Sequence(lambda n: f"TEST NHS TRUST {n}")
    kind = OrganisationKind.NHS_TRUST
    open_date = datetime.date(2000, 4, 1)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    parent_code = "RX1"
    code = factory.Sequence(lambda n: f"RX1{n:02d}")
    name = factory.Sequence(lambda n: f"TEST HOSPITAL {n}")
    kind = OrganisationKind.NHS_TRUST_SITE
    open_date = datetime.date(2000, 4, 1)
