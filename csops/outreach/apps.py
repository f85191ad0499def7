from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "csops.outreach"
    label = "outreach"
    verbose_name = _("Outreach")

    def ready(self) -> None:
        from csops.outreach.campaigns import run_outreach_day
        from csops.outreach.conditions import register_builtin_conditions
        from csops.outreach.sending import sender_pass
        from csops.outreach.variables import register_builtin_variables
        from csops.pipeline.registry import ORDER, register_step, register_worker_pass

        register_builtin_conditions()
        register_builtin_variables()
        register_step("outreach", run_outreach_day, order=ORDER["outreach"],
                      description="enrol contacts into campaigns and queue the step emails due that day")
        register_worker_pass("outreach-sender", sender_pass)
