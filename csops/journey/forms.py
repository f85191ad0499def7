"""Forms of the journey pages: they parse; the do_* services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from csops.customers.models import Contact, LifecycleStage
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


class OutcomeUpdateForm(forms.Form):
    current = forms.DecimalField(label=_("Current value"), max_digits=16, decimal_places=2, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=OutcomeStatus.choices)


class OutcomeEditForm(forms.Form):
    """Correct an outcome: what it is, how it is measured, where it starts and ends, when it is due."""

    title = forms.CharField(label=_("Outcome"), max_length=200)
    kpi = forms.CharField(label=_("KPI"), max_length=200)
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    baseline = forms.DecimalField(label=_("Baseline"), max_digits=16, decimal_places=2)
    target = forms.DecimalField(label=_("Target"), max_digits=16, decimal_places=2)
    due_on = forms.DateField(label=_("Due"), widget=DateInput)


class OutcomeForm(OutcomeEditForm):
    """A new outcome: what OutcomeEditForm corrects, plus where its current value comes from."""

    current = forms.DecimalField(label=_("Current value"), max_digits=16, decimal_places=2, required=False)
    measure = forms.CharField(label=_("From measure (optional)"), max_length=64, required=False)
    field_order = ["title", "kpi", "unit", "baseline", "target", "current", "measure", "due_on"]


class MilestoneForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MilestoneKind.choices)
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput)


class CheckpointForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DateInput)
    sentiment = forms.ChoiceField(label=_("Sentiment"), choices=Sentiment.choices)
    score = forms.IntegerField(label=_("Survey score (0-10)"), min_value=0, max_value=10, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class PeopleForm(forms.Form):
    """The customer's promoter and operator of an onboarding plan, chosen from the account's contacts."""

    promoter = forms.ModelChoiceField(label=_("Promoter"), queryset=Contact.objects.none(), required=False,
                                      empty_label=_("(nobody)"))
    operator = forms.ModelChoiceField(label=_("Operator"), queryset=Contact.objects.none(), required=False,
                                      empty_label=_("(nobody)"))

    def __init__(self, *args: Any, plan: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"promoter": plan.promoter_id, "operator": plan.operator_id})
        super().__init__(*args, **kwargs)
        # People still at the customer, and whoever the plan names now (even if they left).
        current = [pk for pk in (plan.promoter_id, plan.operator_id) if pk]
        contacts = Contact.objects.filter(Q(is_active=True) | Q(pk__in=current), account_id=plan.account_id)
        for name in ("promoter", "operator"):
            self.fields[name].queryset = contacts.order_by("name", "id")


class ConfigForm(forms.Form):
    document = forms.CharField(label=_("Configuration (YAML)"), widget=forms.Textarea(attrs={"rows": 30}))
