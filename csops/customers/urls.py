from __future__ import annotations

from django.urls import path

from csops.customers import views

# Mounted at /import/ by csops/urls.py. The names are global (no namespace): the navigation in
# web/base.html links to "account-import".
urlpatterns = [
    path("", views.import_page, name="account-import"),
    path("template/<str:kind>.csv", views.import_template, name="account-import-template"),
]
