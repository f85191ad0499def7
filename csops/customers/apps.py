from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "csops.customers"
    label = "customers"
    verbose_name = "Customers"
