from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "csops.pipeline"
    label = "pipeline"
    verbose_name = _("Daily pipeline")
