from __future__ import annotations

from django.urls import path

from csops.outreach import views

urlpatterns = [
    path("outreach/", views.campaign_list, name="outreach-campaigns"),
    path("outreach/campaigns/new/", views.campaign_edit, name="outreach-campaign-new"),
    path("outreach/campaigns/<int:pk>/", views.campaign_edit, name="outreach-campaign-edit"),
    path("outreach/templates/", views.template_list, name="outreach-templates"),
    path("outreach/templates/new/", views.template_edit, name="outreach-template-new"),
    path("outreach/templates/<int:pk>/", views.template_edit, name="outreach-template-edit"),
    path("outreach/templates/<int:pk>/preview/", views.template_preview, name="outreach-template-preview"),
    path("outreach/messages/", views.message_log, name="outreach-messages"),
    path("outreach/messages/<int:pk>/resend/", views.message_resend, name="outreach-message-resend"),
    path("outreach/export.yaml", views.config_export, name="outreach-export"),
    path("outreach/import/", views.config_import, name="outreach-import"),
    path("o/u/<str:token>/", views.unsubscribe, name="outreach-unsubscribe"),
    path("o/c/<str:token>", views.click, name="outreach-click"),
]
