from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "csops.usage"
    label = "usage"
