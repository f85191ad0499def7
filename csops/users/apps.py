from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "csops.users"
    label = "users"
    verbose_name = "Users and roles"
