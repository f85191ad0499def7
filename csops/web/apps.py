from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "csops.web"
    label = "web"
