"""Forms of the web shell. They only parse and validate; views authorise and call services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from csops.customers.models import (
    Account,
    ActivityKind,
    Contact,
    Influence,
    LifecycleStage,
    Product,
    Segment,
    Sentiment,
)
from csops.users.models import User
from csops.web import queries
from csops.web.dashboard import DashboardFilters, parse_month


class _Form(forms.Form):
    # No "Email:" colon after labels: the layout separates label and field already.
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LoginForm(_Form):
    email = forms.EmailField(
        label=_("Email address"), max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class PreferencesForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    class Meta:
        model = User
        fields = ["language"]
        widgets = {"language": forms.RadioSelect}
        labels = {"language": _("Language")}


class AccountFilterForm(forms.Form):
    """The account list's query string. Invalid values are dropped, never an error page."""

    q = forms.CharField(
        label=_("Search"), required=False, max_length=200,  # as the top bar's box, which links here
        widget=forms.SearchInput(attrs={"placeholder": _("Name or external id"), "autocomplete": "off"}),
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    segment = forms.ChoiceField(
        label=_("Segment"), required=False, choices=[("", _("All segments")), *Segment.choices]
    )
    stage = forms.ChoiceField(
        label=_("Lifecycle stage"), required=False, choices=[("", _("All stages")), *LifecycleStage.choices]
    )
    renewal = forms.TypedChoiceField(
        label=_("Renewal window"), required=False, coerce=int, empty_value=None,
        choices=[
            ("", _("Any time")),
            ("30", _("Next 30 days")),
            ("90", _("Next 90 days")),
            ("180", _("Next 180 days")),
        ],
    )
    product = forms.ChoiceField(label=_("Product"), required=False)
    health = forms.ChoiceField(
        label=_("Health"), required=False,
        choices=[
            ("", _("Any health")), ("red", _("Red")), ("yellow", _("Yellow")), ("green", _("Green")),
            ("none", _("Not scored")),
        ],
    )
    # Set by a dashboard drill-down (one bar of the ARR movement chart); carried as hidden fields.
    movement = forms.ChoiceField(
        required=False, widget=forms.HiddenInput,
        choices=[("", ""), ("new", _("New")), ("expansion", _("Expansion")), ("contraction", _("Contraction")),
                 ("churn", _("Churn"))],
    )
    month = forms.RegexField(regex=r"^\d{4}-\d{2}$", required=False, widget=forms.HiddenInput)
    maturity = forms.IntegerField(required=False, min_value=0, max_value=99, widget=forms.HiddenInput)
    touch = forms.RegexField(regex=r"^[a-z_]{1,16}$", required=False, widget=forms.HiddenInput)
    cta = forms.RegexField(regex=r"^(open|overdue|(created|closed)-\d{4}-\d{2})$", required=False,
                           widget=forms.HiddenInput)
    # Set by drill-downs from panels that count paying accounts only (ARR card, health, maturity, touch).
    paying = forms.BooleanField(required=False, widget=forms.HiddenInput)
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False,
        choices=[
            ("name", _("Name (A–Z)")),
            ("-name", _("Name (Z–A)")),
            ("-arr", _("ARR (highest first)")),
            ("arr", _("ARR (lowest first)")),
            ("renewal", _("Renewal (soonest first)")),
            ("-renewal", _("Renewal (latest first)")),
            ("owner", _("Owner (A–Z)")),
            ("-owner", _("Owner (Z–A)")),
        ],
    )

    def __init__(self, *args: Any, owners: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", _("Everyone")),
            (queries.OWNER_MINE, _("Mine")),
            (queries.OWNER_NONE, _("Unassigned")),
            *[(str(u.pk), str(u)) for u in owners],
        ]
        self.fields["product"].choices = [
            ("", _("All products")), *Product.objects.order_by("name").values_list("code", "name"),
        ]

    def filters(self) -> queries.AccountFilters:
        self.is_valid()
        data = self.cleaned_data  # only the fields that were valid
        return queries.AccountFilters(
            q=(data.get("q") or "").strip(),
            owner=data.get("owner") or "",
            segment=data.get("segment") or "",
            stage=data.get("stage") or "",
            renewal_days=data.get("renewal"),
            sort=data.get("sort") or queries.DEFAULT_SORT,
            product=data.get("product") or "",
            health=data.get("health") or "",
            movement=data.get("movement") or "",
            month=parse_month(data.get("month") or ""),
            maturity=data.get("maturity"),
            touch=data.get("touch") or "",
            cta=data.get("cta") or "",
            paying=bool(data.get("paying")),
        )


class QuickCheckboxes(forms.CheckboxSelectMultiple):
    """The same markup as Django's checkbox list, built in Python rather than one template per box.

    An enterprise account has a hundred contacts; rendering each checkbox through the form
    template engine cost a third of the account page's time.
    """

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        chosen = {str(v) for v in (value or [])}
        base_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        boxes = format_html_join(
            "", '<div><label for="{}_{}"><input type="checkbox" name="{}" value="{}" id="{}_{}"{}> {}</label></div>',
            (
                (base_id, i, name, option_value, base_id, i,
                 mark_safe(" checked") if str(option_value) in chosen else "", option_label)
                for i, (option_value, option_label) in enumerate(self.choices)
            ),
        )
        return format_html('<div id="{}">{}</div>', base_id, boxes)


class QuickSelect(forms.Select):
    """A plain <select> built in Python (one option per contact, a hundred on a big account)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        attrs = {**self.attrs, **(attrs or {})}
        options = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((v, mark_safe(" selected") if str(v) == str(value or "") else "", label) for v, label in self.choices),
        )
        return format_html('<select name="{}" id="{}"{}>{}</select>', name, attrs.get("id", f"id_{name}"),
                           mark_safe(" required") if attrs.get("required") else "", options)


class ContactChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Contact) -> str:  # type: ignore[override]
        label = f"{obj.name} ({obj.get_role_display()})"
        if obj.is_active:
            return label
        return _("%(contact)s · left the company") % {"contact": label}


def _now_in_company_time() -> Any:
    return timezone.localtime().replace(second=0, microsecond=0)


class ActivityForm(_Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[c for c in ActivityKind.choices if c[0] != ActivityKind.SYSTEM],
        initial=ActivityKind.MEETING,
    )
    occurred_at = forms.DateTimeField(
        label=_("When"), initial=_now_in_company_time,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    summary = forms.CharField(label=_("Summary"), max_length=300)
    body = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    contacts = ContactChoiceField(
        label=_("Contacts"), required=False, queryset=Contact.objects.none(), widget=QuickCheckboxes
    )

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        # Its own ids: other forms on the account page have a kind, a summary or a body too.
        kwargs.setdefault("auto_id", "activity-%s")
        super().__init__(*args, **kwargs)
        # Entered and shown in the company's timezone, whatever the browser's.
        self.fields["occurred_at"].label = _("When (%(tz)s)") % {"tz": settings.TIME_ZONE}
        # Only this account's people can be picked: a posted id of another account's contact is invalid.
        self.fields["contacts"].queryset = Contact.objects.filter(account=account).order_by("-is_active", "name")


class ContactStanceForm(_Form):
    contact = forms.ModelChoiceField(label=_("Person"), queryset=Contact.objects.none(), widget=QuickSelect)
    influence = forms.ChoiceField(
        label=_("Influence"), required=False, choices=[("", _("Not judged yet")), *Influence.choices]
    )
    sentiment = forms.ChoiceField(
        label=_("Sentiment"), required=False, choices=[("", _("Unknown")), *Sentiment.choices]
    )

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_stance_%s")
        super().__init__(*args, **kwargs)
        # Only this account's people still there: another account's contact id is invalid.
        self.fields["contact"].queryset = Contact.objects.filter(account=account, is_active=True).order_by("name")


class OwnerForm(_Form):
    owner = forms.ModelChoiceField(
        label=_("Owner"), required=False, queryset=User.objects.none(), empty_label=_("Unassigned")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = queries.assignable_owners()


class DashboardFilterForm(forms.Form):
    """The dashboard's filters; like the account list's, invalid values are dropped."""

    product = forms.ChoiceField(label=_("Product"), required=False)
    segment = forms.ChoiceField(
        label=_("Segment"), required=False, choices=[("", _("All segments")), *Segment.choices]
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)

    def __init__(self, *args: Any, owners: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [
            ("", _("All products")), *Product.objects.order_by("name").values_list("code", "name"),
        ]
        self.fields["owner"].choices = [
            ("", _("Everyone")),
            (queries.OWNER_MINE, _("Mine")),
            (queries.OWNER_NONE, _("Unassigned")),
            *[(str(u.pk), str(u)) for u in owners],
        ]

    def filters(self) -> DashboardFilters:
        self.is_valid()
        data = self.cleaned_data
        return DashboardFilters(
            product=data.get("product") or "", segment=data.get("segment") or "", owner=data.get("owner") or ""
        )
