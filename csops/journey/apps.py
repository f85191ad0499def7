from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneyConfig(AppConfig):
    name = "csops.journey"
    label = "journey"
    verbose_name = _("Journey")

    def ready(self) -> None:
        from csops.journey import signals  # noqa: F401 - connects the contract-start receiver
        from csops.journey.maturity import rebuild_pass
        from csops.journey.measures import register as register_measures
        from csops.journey.pipeline import run_maturity_day, run_stages_day
        from csops.pipeline.registry import ORDER, register_step, register_worker_pass

        register_step("maturity", run_maturity_day, order=ORDER["maturity"],
                      description="maturity levels and first value of every account")
        register_step("stages", run_stages_day, order=ORDER["stages"],
                      description="onboarding plans and steps, then lifecycle stage rules")
        register_measures()
        register_worker_pass("journey-maturity-rebuild", rebuild_pass)
