from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("designer", "0007_more_drill_kinds"),
    ]

    operations = [
        migrations.AddField(
            model_name="hadrill",
            name="probe_source",
            field=models.CharField(blank=True, max_length=48),
        ),
        migrations.AddField(
            model_name="hadrill",
            name="probe_target",
            field=models.CharField(blank=True, max_length=48),
        ),
        migrations.AddField(
            model_name="hadrill",
            name="probe_host",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="hadrill",
            name="probe_address",
            field=models.CharField(blank=True, max_length=45),
        ),
        migrations.AddField(
            model_name="hadrill",
            name="probe_state",
            field=models.CharField(
                blank=True,
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                ],
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="hadrill",
            name="probe_sent",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="hadrill",
            name="probe_received",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="hadrill",
            name="outage_seconds",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="hadrill",
            name="outage_started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="hadrill",
            name="probe_error",
            field=models.TextField(blank=True),
        ),
    ]
