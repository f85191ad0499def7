from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "csops.audit"
    label = "audit"
    verbose_name = "Audit log"
