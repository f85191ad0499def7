from django.db import migrations, models


def fill_versions(apps, schema_editor):
    """Models trained before the version was stored: the latest version among their scorecard's
    snapshots up to the training day (the daily step trains after that day's health scores)."""
    ChurnModel = apps.get_model("insights", "ChurnModel")
    HealthScore = apps.get_model("health", "HealthScore")
    for model in ChurnModel.objects.filter(scorecard_version__isnull=True).exclude(scorecard_key=""):
        version = (HealthScore.objects.filter(scorecard__key=model.scorecard_key, day__lte=model.trained_on)
                   .aggregate(v=models.Max("scorecard_version"))["v"])
        if version is not None:
            ChurnModel.objects.filter(pk=model.pk).update(scorecard_version=version)


class Migration(migrations.Migration):

    dependencies = [
        ('health', '0001_initial'),
        ('insights', '0003_revenue_forecast_months_renewals'),
    ]

    operations = [
        migrations.AddField(
            model_name='churnmodel',
            name='scorecard_version',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='scorecard version'),
        ),
        migrations.RunPython(fill_versions, migrations.RunPython.noop),
    ]
