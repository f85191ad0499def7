"""Forms of the journey pages: they parse; the do_* services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from csops.customers.models import LifecycleStage
from csops.journey.models import MilestoneKind, OutcomeStatus, Sentiment, SuccessDepth


class DateInput(forms.DateInput):
    input_type = "date"


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=LifecycleStage.choices)
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class SuccessPlanForm(forms.Form):
    depth = forms.ChoiceField(label=_("Success sought"), choices=SuccessDepth.choices)
    summary = forms.CharField(label=_("What success means for this customer"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class OutcomeForm(forms.Form):
    title = forms.CharField(label=_("Outcome"), max_length=200)
    kpi = forms.CharField(label=_("KPI"), max_length=200)
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    baseline = forms.DecimalField(label=_("Baseline"), max_digits=16, decimal_places=2)
    target = forms.DecimalField(label=_("Target"), max_digits=16, decimal_places=2)
    current = forms.DecimalField(label=_("Current value"), max_digits=16, decimal_places=2, required=False)
    measure = forms.CharField(label=_("From measure (optional)"), max_length=64, required=False)
    due_on = forms.DateField(label=_("Due"), widget=DateInput)


class OutcomeUpdateForm(forms.Form):
    current = forms.DecimalField(label=_("Current value"), max_digits=16, decimal_places=2, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=OutcomeStatus.choices)


class MilestoneForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MilestoneKind.choices)
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput)


class CheckpointForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DateInput)
    sentiment = forms.ChoiceField(label=_("Sentiment"), choices=Sentiment.choices)
    score = forms.IntegerField(label=_("Survey score (0-10)"), min_value=0, max_value=10, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ConfigForm(forms.Form):
    document = forms.CharField(label=_("Configuration (YAML)"), widget=forms.Textarea(attrs={"rows": 30}))
