from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlaybooksConfig(AppConfig):
    name = "csops.playbooks"
    label = "playbooks"
    verbose_name = _("Playbooks")

    def ready(self) -> None:
        from csops.pipeline.registry import ORDER, register_step
        from csops.playbooks.builtin_actions import register_builtin_actions
        from csops.playbooks.engine import ctas_step, rules_step
        from csops.playbooks.triggers import register_builtin_triggers

        register_builtin_triggers()
        register_builtin_actions()
        register_step("rules", rules_step, order=ORDER["rules"],
                      description="assign touch models and evaluate playbook rules: one start per episode")
        register_step("ctas", ctas_step, order=ORDER["ctas"],
                      description="carry out the playbook actions due (CTAs, emails, webhooks), within contact caps")
