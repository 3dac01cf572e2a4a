import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("designer", "0004_deployment_drift"),
    ]

    operations = [
        migrations.CreateModel(
            name="VrrpTransition",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("router", models.CharField(max_length=48)),
                ("host", models.CharField(max_length=32)),
                ("namespace", models.CharField(max_length=64)),
                (
                    "old_state",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("master", "Master"),
                            ("backup", "Backup"),
                            ("fault", "Fault"),
                            ("stop", "Stopped"),
                        ],
                        max_length=8,
                    ),
                ),
                (
                    "new_state",
                    models.CharField(
                        choices=[
                            ("master", "Master"),
                            ("backup", "Backup"),
                            ("fault", "Fault"),
                            ("stop", "Stopped"),
                        ],
                        max_length=8,
                    ),
                ),
                ("at", models.DateTimeField()),
                ("monotonic", models.FloatField()),
                (
                    "deployment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="vrrp_transitions",
                        to="designer.deployment",
                    ),
                ),
            ],
            options={
                "ordering": ["at", "id"],
                "indexes": [
                    models.Index(
                        fields=["deployment", "router", "host", "monotonic"],
                        name="designer_vr_deploym_3ece13_idx",
                    )
                ],
            },
        ),
    ]
