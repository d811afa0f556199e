from django.db import models


class OrganisationKind(models.TextChoices):
    NHS_TRUST = "nhs_trust", "NHS trust"
    NHS_TRUST_SITE = "nhs_trust_site", "NHS trust site"
    GP_PRACTICE = "gp_practice", "GP practice"
    OTHER = "other", "Other organisation"


class Organisation(models.Model):
    """An organisation or site as published by the Organisation Data Service (ODS).

    ODS codes never change and are never reused, so the code is the natural key. Sites
    keep their parent's code as text: ODS files may name a parent we have not imported.
    """

    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    parent_code = models.CharField(max_length=12, blank=True)
    # The NHS England region (ODS national grouping) and integrated care board (ODS
    # high-level health geography); for GP practices, the commissioning sub-ICB location.
    region_code = models.CharField(max_length=12, blank=True)
    icb_code = models.CharField(max_length=12, blank=True)
    commissioner_code = models.CharField(max_length=12, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    open_date = models.DateField(null=True, blank=True)
    close_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["parent_code"]), models.Index(fields=["kind"])]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def is_open_on(self, day) -> bool:
        started = self.open_date is None or self.open_date <= day
        not_ended = self.close_date is None or self.close_date >= day
        return started and not_ended

    @property
    def parent(self):
        if not self.parent_code:
            return None
        return Organisation.objects.filter(code=self.parent_code).first()
