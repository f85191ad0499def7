"""Templates: unknown variables and unsafe tags are rejected on save; rendering is sandboxed and escaped."""

from __future__ import annotations

import pytest

from csops.outreach.rendering import render, template_errors

pytestmark = pytest.mark.django_db


def test_known_variables_are_accepted():
    assert template_errors("{{ contact.name }} {{ account.name|upper }} {{ csm.email }} {{ next_step }}",
                           html=True) == []


def test_an_unknown_variable_is_named():
    assert template_errors("{{ contact.nmae }}", html=False) == ["unknown variable {{ contact.nmae }}"]


def test_variables_inside_tags_and_filter_arguments_are_checked():
    errors = template_errors("{% if account.secret %}{{ x|default:missing.var }}{% endif %}", html=True)
    assert errors == ["unknown variable {{ account.secret }}", "unknown variable {{ x }}",
                      "unknown variable {{ missing.var }}"]


def test_loop_variables_are_known_inside_their_loop():
    assert template_errors("{% for word in contact.name %}{{ word }}{{ forloop.counter }}{% endfor %}",
                           html=True) == []


@pytest.mark.parametrize("source", ["{% load static %}", "{% include 'web/base.html' %}", "{% debug %}",
                                    "{% url 'login' %}", "{% csrf_token %}", "{% extends 'x' %}"])
def test_tags_that_reach_outside_the_template_are_refused(source):
    assert template_errors(source, html=True)


def test_html_bodies_escape_customer_data_and_text_bodies_do_not():
    context = {"contact": {"name": "<b>Tom & Jerry</b>"}}
    assert render("{{ contact.name }}", context, html=True) == "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;"
    assert render("{{ contact.name }}", context, html=False) == "<b>Tom & Jerry</b>"
