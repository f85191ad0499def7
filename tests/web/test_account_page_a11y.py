"""The account page as a browser sees it once htmx has loaded its panels: ids unique, every field labelled.

Several apps' forms meet on this page (activity, feedback, journey, health...). With Django's default
``id_<field>`` ids two forms with a ``kind`` or ``summary`` field collide, and a click on a label focuses
the wrong field. Each form therefore carries its own id prefix.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from django.urls import reverse

from tests.web.conftest import HTMX

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


class Page(HTMLParser):
    """The elements of a page; those inside an element that htmx fills on load are marked as replaced."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        # tag, attributes, replaced by htmx, inside a <label> (the label's own field)
        self.elements: list[tuple[str, dict[str, str], bool, bool]] = []
        self.loaded: list[str] = []  # URLs htmx fetches on load into an element
        self._open: list[tuple[str, bool]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        replaced = any(fill for _, fill in self._open)
        self.elements.append((tag, a, replaced, any(t == "label" for t, _ in self._open)))
        if tag in VOID:
            return
        fill = "hx-get" in a and "load" in a.get("hx-trigger", "") and a.get("hx-swap", "innerHTML") == "innerHTML"
        if fill and not replaced:
            self.loaded.append(a["hx-get"])
        self._open.append((tag, fill))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}, any(fill for _, fill in self._open),
                              any(t == "label" for t, _ in self._open)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                return


def assembled(client, url: str) -> tuple[list[tuple[str, dict[str, str], bool]], list[str]]:
    """The elements of the page after htmx has swapped its panels in (two levels deep), and those URLs."""
    elements: list[tuple[str, dict[str, str], bool]] = []
    fetched: list[str] = []
    queue = [(url, {})]
    while queue:
        target, headers = queue.pop(0)
        response = client.get(target, **headers)
        assert response.status_code == 200, target
        page = Page(response.content.decode())
        elements += [(tag, a, in_label) for tag, a, replaced, in_label in page.elements if not replaced]
        if len(fetched) < 20:
            fetched += page.loaded
            queue += [(u, HTMX) for u in page.loaded]
    return elements, fetched


def needs_label(tag: str, a: dict[str, str]) -> bool:
    if tag in {"select", "textarea"}:
        return True
    return tag == "input" and a.get("type", "text") not in UNLABELLED_INPUT_TYPES


def check(elements: list[tuple[str, dict[str, str], bool]]) -> None:
    ids = [a["id"] for _, a, _ in elements if a.get("id")]
    duplicates = sorted(i for i, n in Counter(ids).items() if n > 1)
    assert duplicates == []

    labelled = {a["for"] for tag, a, _ in elements if tag == "label" and a.get("for")}
    unlabelled = [
        (tag, a.get("name"), a.get("id")) for tag, a, in_label in elements
        if needs_label(tag, a)
        and not (a.get("id") in labelled or in_label or a.get("aria-label") or a.get("aria-labelledby"))
    ]
    assert unlabelled == []
    # A label points at something that exists (not at another form's field, not at nothing).
    assert sorted(labelled - set(ids)) == []


def test_the_assembled_account_page_has_unique_ids_and_labelled_fields(client_as, carol, acme):
    elements, fetched = assembled(client_as(carol), reverse("account-detail", args=[acme.pk]))
    for name in ("feedback-account", "health-panel", "journey-panel", "usage-panel", "playbooks-account-panel"):
        assert reverse(name, args=[acme.pk]) in fetched, name
    # The forms that used to collide are all there (the journey panel's success plan has a summary too).
    ids = {a.get("id") for _, a, _ in elements}
    assert {"activity-kind", "activity-summary", "activity-body", "feedback-kind", "feedback-body"} <= ids
    assert {"journey-summary", "journey-stage"} <= ids
    check(elements)


def test_with_a_scorecard_and_a_playbook_the_health_and_cta_forms_are_labelled_too(client_as, carol, acme, product):
    from csops.health.services import do_save_scorecard
    from csops.playbooks.models import Playbook
    from tests.health_ui.conftest import document

    do_save_scorecard(document(), actor=carol)
    Playbook.objects.create(key="kickoff", name="Kickoff")
    elements, _ = assembled(client_as(carol), reverse("account-detail", args=[acme.pk]))
    names = {a.get("name") for tag, a, _ in elements if tag in {"input", "textarea", "select"}}
    assert {"csm_view", "note", "playbook"} <= names
    check(elements)


def test_the_activity_form_uses_its_own_ids(client_as, alice, acme):
    html = client_as(alice).get(reverse("account-detail", args=[acme.pk])).content.decode()
    assert 'id="activity-kind"' in html and 'for="activity-kind"' in html
    assert 'id="activity-contacts_0"' in html
    assert 'id="id_kind"' not in html and 'id="id_summary"' not in html and 'id="id_body"' not in html


def test_the_feedback_form_uses_its_own_ids(client_as, alice, acme):
    html = client_as(alice).get(reverse("feedback-account", args=[acme.pk]), **HTMX).content.decode()
    assert 'id="feedback-kind"' in html and 'for="feedback-kind"' in html
    assert 'id="feedback-body"' in html and 'for="feedback-body"' in html
    assert 'id="id_' not in html
