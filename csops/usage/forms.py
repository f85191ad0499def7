"""Forms of the usage pages: a feature of the registry, the event explorer's filters."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from csops.customers.models import Product
from csops.usage.features import validate_property_filter
from csops.usage.lake import EVENT_TYPES
from csops.usage.query import MAX_EXPLORE_ROWS, ExploreFilters

EXPLORER_PAGE_SIZE = 50


class FeatureForm(forms.Form):
    """Input of a feature; the rules that need the database (unique key) live in the service."""

    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.all(), to_field_name="code")
    key = forms.SlugField(
        label=_("Key"), max_length=64,
        help_text=_("Stable identifier used by measures and in YAML files, e.g. send-invoice."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    event_name = forms.CharField(
        label=_("Event name"), max_length=200, help_text=_("The track event that means this feature was used."),
    )
    property_filter = forms.CharField(
        label=_("Property filter"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono", "placeholder": '{"document_type": "invoice"}'}),
        help_text=_("Optional flat JSON object: only events whose properties have all of these values count."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_property_filter(self) -> dict[str, Any]:
        raw = (self.cleaned_data.get("property_filter") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationError(_("Not valid JSON: %(reason)s") % {"reason": exc.msg}) from None
        return validate_property_filter(value)

    @classmethod
    def initial_for(cls, feature: Any) -> dict[str, Any]:
        return {
            "product": feature.product.code, "key": feature.key, "name": feature.name,
            "event_name": feature.event_name, "description": feature.description,
            "property_filter": json.dumps(feature.property_filter, ensure_ascii=False) if feature.property_filter
            else "",
        }


class ExplorerForm(forms.Form):
    account = forms.CharField(label=_("Account external id"), required=False, max_length=200)
    user = forms.CharField(label=_("User or anonymous id"), required=False, max_length=200)
    event = forms.CharField(label=_("Event name"), required=False, max_length=200)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *[(t, t) for t in EVENT_TYPES]],
    )
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                          help_text=_("Inclusive; days in the company's time zone."))
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_EXPLORE_ROWS // EXPLORER_PAGE_SIZE,
                              widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end is before the start."))
        return data

    def filters(self) -> ExploreFilters:
        data = self.cleaned_data
        end = data.get("end")
        return ExploreFilters(
            account_id=(data.get("account") or "").strip() or None,
            user_id=(data.get("user") or "").strip() or None,
            event=(data.get("event") or "").strip() or None,
            type=data.get("type") or None,
            start=data.get("start") or None,  # a date: midnight in the company's time zone
            end=(end + dt.timedelta(days=1)) if end else None,
        )

    @property
    def page_number(self) -> int:
        return (self.cleaned_data.get("page") if self.is_valid() else None) or 1
