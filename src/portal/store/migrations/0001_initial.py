# ManifestEntry comes from the submissions app (submissions.0007) with its table and rows:
# first taken over as it is (state only), then its table renamed to this app's name.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("organisations", "0002_ods_region_icb_commissioner"),
        ("submissions", "0007_manifest_moves_to_the_store"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ManifestEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("period", models.CharField(max_length=7)),
                        (
                            "path",
                            models.CharField(
                                help_text="Key in the record store", max_length=500, unique=True
                            ),
                        ),
                        ("sha256", models.CharField(max_length=64)),
                        ("record_count", models.BigIntegerField()),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="organisations.organisation",
                            ),
                        ),
                        (
                            "submission",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="manifest_entry",
                                to="submissions.submission",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "manifest entries",
                        "ordering": ["organisation__code", "period"],
                        "db_table": "submissions_manifestentry",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="manifestentry", table=None),
    ]
