from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def heat(share: float | None) -> str:
    """A cohort cell's background opacity: from faint at half the cohort kept or less to strong at all of
    it (retention lives between 50 % and 100 %), light enough to read both figures, always with a dot
    (floatformat would write a comma in some languages, which CSS does not read)."""
    if share is None:
        return "0"
    scaled = (min(max(float(share), 0.5), 1.0) - 0.5) / 0.5
    return f"{0.05 + 0.45 * scaled:.2f}"
