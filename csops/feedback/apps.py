from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "csops.feedback"
    label = "feedback"
    verbose_name = _("Product feedback")
