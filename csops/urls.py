from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from csops.api import api

admin.site.site_header = "csops admin"
admin.site.site_title = "csops"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("import/", include("csops.customers.urls")),
    path("usage/", include("csops.usage.explorer_urls")),
    path("", include("csops.usage.urls")),  # /v1/<call> (tracking API) and /sources/
    path("", include("csops.outreach.urls")),  # /outreach/... and the public /o/u/ and /o/c/ links
    path("", include("csops.pipeline.urls")),  # /pipeline/
    path("feedback/", include("csops.feedback.urls")),
    path("health/", include("csops.health.urls")),
    path("journey/", include("csops.journey.urls")),
    path("playbooks/", include("csops.playbooks.urls")),
    path("insights/", include("csops.insights.urls")),
    path("", include("csops.web.urls")),
]
