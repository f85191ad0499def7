from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from csops.customers.models import Account, Contact, Product
from csops.feedback.models import Feedback, FeedbackKind, FeedbackStatus


class FeedbackForm(forms.ModelForm):
    """Recording feedback from the account page; only this account's contacts are offered."""

    class Meta:
        model = Feedback
        fields = ["kind", "title", "body", "contact", "product"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        # Its own ids: the account page's other forms (activity, journey) have a kind or a body too.
        kwargs.setdefault("auto_id", "feedback-%s")
        super().__init__(*args, **kwargs)
        self.instance.account = account
        self.fields["contact"].queryset = Contact.objects.filter(account=account).order_by("name")
        self.fields["product"].queryset = Product.objects.order_by("name")


class FilterForm(forms.Form):
    """The feedback list's query string. An invalid value is dropped on its own, never an error page."""

    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *FeedbackKind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *FeedbackStatus.choices])
    product = forms.ModelChoiceField(label=_("Product"), required=False, queryset=Product.objects.order_by("name"),
                                     empty_label=_("All products"))
    # Set by the account page's "all feedback" link; carried as a hidden field, shown as a removable filter.
    account = forms.ModelChoiceField(required=False, queryset=Account.objects.all(), widget=forms.HiddenInput)
    # The ranking's order, kept when the filters change.
    order = forms.ChoiceField(required=False, choices=[("", ""), ("arr", "arr"), ("at_risk", "at_risk")],
                              widget=forms.HiddenInput)

    def filters(self) -> dict[str, Any]:
        """The valid filters by name (empty ones left out)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=FeedbackStatus.choices)
