import factory

from portal.accounts.models import Membership, User

PASSWORD = "correct-horse-battery-staple"  # noqa: S105


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.nhs.uk")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    job_title = "Radiology manager"
    telephone = "0113 496 0000"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def grant(user, role, organisation=None):
    return Membership.objects.create(user=user, role=role, organisation=organisation)


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # a fixed test secret (base32)


def with_totp(user, secret=TOTP_SECRET):
    """Mark the user's TOTP as enrolled and confirmed, as activation does."""
    from django.utils import timezone

    user.totp_secret = secret
    user.totp_confirmed_at = timezone.now()
    user.activated_at = timezone.now()
    user.save(update_fields=["totp_secret", "totp_confirmed_at", "activated_at"])
    return user
