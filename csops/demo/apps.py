from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "csops.demo"
    label = "demo"
