from __future__ import annotations

from typing import Any

import yaml
from django import forms
from django.utils.translation import gettext_lazy as _

from csops.customers.models import ContactRole
from csops.outreach.config import campaign_errors, template_field_errors
from csops.outreach.models import Campaign, MessageStatus, Template


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Template
        fields = ["key", "name", "description", *Template.FIELDS]
        widgets = {f: forms.Textarea(attrs={"rows": 8, "class": "mono"}) for f in ("text_ja", "text_en", "html_ja",
                                                                                      "html_en")}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for field, errors in template_field_errors({f: data.get(f) or "" for f in Template.FIELDS}).items():
            for error in errors:
                self.add_error(field, error)
        return data


class _YamlField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 6, "class": "mono"})

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text.strip():
            return []
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise forms.ValidationError(_("Not valid YAML: %(error)s"), params={"error": exc}) from None


def as_yaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=100) if value else ""


class CampaignForm(forms.Form):
    key = forms.SlugField(label=_("key"), max_length=80)
    name = forms.CharField(label=_("name"), max_length=200)
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(label=_("active"), required=False)
    roles = forms.MultipleChoiceField(label=_("contact roles"), choices=ContactRole.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple,
                                      help_text=_("Contact roles that enter; none means every role"))
    entry = _YamlField(label=_("entry conditions (YAML list)"), required=False)
    exit = _YamlField(label=_("exit conditions (YAML list)"), required=False)
    steps = _YamlField(label=_("steps (YAML list of day, template, roles, when)"))

    def __init__(self, *args: Any, campaign: Campaign | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        spec = {"key": data["key"], "name": data["name"], "roles": data["roles"], "entry": data["entry"],
                "exit": data["exit"], "steps": data["steps"]}
        for error in campaign_errors(spec, set(Template.objects.values_list("key", flat=True))):
            self.add_error(None, error)
        others = Campaign.objects.filter(key=data["key"])
        if self.campaign is not None and self.campaign.pk:
            others = others.exclude(pk=self.campaign.pk)
        if others.exists():
            self.add_error("key", _("Another campaign has this key."))
        return data


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), required=False,
                               choices=[("", _("All statuses")), *MessageStatus.choices])
    account = forms.IntegerField(label=_("account id"), required=False, min_value=1)
