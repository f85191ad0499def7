from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# After "health" (30), so the day's snapshots exist; before the playbook rules (60) that may read risk.
PIPELINE_ORDER = 35


class InsightsConfig(AppConfig):
    name = "csops.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from csops.insights.risk import run_insights_day
        from csops.pipeline.registry import register_step

        register_step("insights", run_insights_day, order=PIPELINE_ORDER,
                      description="churn risk of the day's health snapshots, then the revenue forecast")
