from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("designer", "0003_connectivity_checks"),
    ]

    operations = [
        migrations.AddField(
            model_name="deployment",
            name="drift",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
