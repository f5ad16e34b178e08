"""Template helpers of the queue page, where rendering is most of the request's time.

The filter form's fields are rendered with the markup crispy-bootstrap5 gives them, but built
here in Python: through crispy's and Django's widget templates the form cost about a third of the
page (the desa select alone has ~190 options). Labels of the rows' choices are looked up directly
instead of through `get_FOO_display`, which rebuilds a dict of the choices on every call.
"""

from django import forms, template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from ..models import Application

register = template.Library()

_SELECTED = mark_safe(" selected")  # noqa: S308 - a constant attribute
_STATUS_LABELS = dict(Application.Status.choices)
_URGENCY_LABELS = dict(Application.Urgency.choices)


@register.filter
def status_label(value: str) -> str:
    return _STATUS_LABELS.get(value, value)


@register.filter
def urgency_label(value: str) -> str:
    return _URGENCY_LABELS.get(value, value)


def _options(field: BoundField) -> SafeString:
    """<option>s (inside <optgroup>s for grouped choices) with the submitted value selected."""
    current = field.value()
    current = "" if current is None else str(current)

    def options(choices) -> SafeString:
        return format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((value, _SELECTED if str(value) == current else "", label) for value, label in choices),
        )

    return mark_safe(  # noqa: S308 - every part built by format_html
        "".join(
            format_html('<optgroup label="{}">{}</optgroup>', value, options(label))
            if isinstance(label, list | tuple)
            else options([(value, label)])
            for value, label in field.field.choices
        )
    )


def _label(field: BoundField, css: str) -> SafeString:
    return format_html('<label for="{}" class="{}">{}</label>', field.auto_id, css, field.label)


@register.simple_tag
def queue_field(field: BoundField) -> SafeString:
    """One form group: label, control and errors, the way crispy-bootstrap5 renders it.

    Steps: the control (a select built from its choices, a checkbox, or the widget's own input with
    Bootstrap's class); Bootstrap's invalid state with `aria-invalid` and `aria-describedby`
    pointing at the messages when the field has errors; then the group around them.
    """
    control_id = field.auto_id
    error_id = f"{control_id}_error"
    errors = ""
    if field.errors:
        errors = format_html(
            '<div id="{}" class="invalid-feedback">{}</div>',
            error_id,
            format_html_join(
                "",
                '<p id="error_{}_{}"><strong>{}</strong></p>',
                ((i, control_id, e) for i, e in enumerate(field.errors, start=1)),
            ),
        )
    invalid = {"aria-invalid": "true", "aria-describedby": error_id} if field.errors else {}
    if isinstance(field.field.widget, forms.Select):
        invalid_attrs = (
            format_html(' aria-invalid="true" aria-describedby="{}"', error_id) if field.errors else ""
        )
        control = format_html(
            '<select name="{}" class="select form-select{}"{} id="{}">{}</select>',
            field.html_name,
            " is-invalid" if field.errors else "",
            invalid_attrs,
            control_id,
            _options(field),
        )
    elif isinstance(field.field.widget, forms.CheckboxInput):
        control = field.as_widget(
            attrs={"class": "form-check-input" + (" is-invalid" if field.errors else ""), **invalid}
        )
        return format_html(
            '<div id="div_{}" class="mb-3 form-check">{}{}{}</div>',
            control_id,
            control,
            _label(field, "form-check-label"),
            errors,
        )
    else:
        control = field.as_widget(
            attrs={"class": "form-control" + (" is-invalid" if field.errors else ""), **invalid}
        )
    return format_html(
        '<div id="div_{}" class="mb-3">{}<div>{}{}</div></div>',
        control_id,
        _label(field, "form-label"),
        control,
        errors,
    )
