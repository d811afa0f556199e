# The manifest (ManifestEntry) moves to the store app (docs/adr/091). Here it only leaves
# the submissions app's state; its table and rows stay, and store.0001 takes them over.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0006_validation_claims"),
    ]

    operations = [
        migrations.AlterField(
            model_name="submission",
            name="upload_path",
            field=models.CharField(help_text="Key in the record store", max_length=500),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ManifestEntry")],
            database_operations=[],
        ),
    ]
