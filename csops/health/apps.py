from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "csops.health"
    label = "health"
    verbose_name = _("Health scores")

    def ready(self) -> None:
        from csops.health import measures  # noqa: F401 - registers the built-in measure types
        from csops.health.scoring import run_health_day
        from csops.pipeline.registry import ORDER, register_step

        register_step("health", run_health_day, order=ORDER["health"],
                      description="health scores of every account under every active scorecard")
