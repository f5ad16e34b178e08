"""Template helpers of the queue page, where rendering is most of the request's time.

The filter form's fields are rendered with the markup crispy-bootstrap5 gives them, but built
here in Python: through crispy's and Django's widget templates the form cost about a third of the
page (the desa select alone has ~190 options). The table's rows and the status tabs are built
here too, with the markup the template loops gave: as a loop, the ~25 variables and tags of each
row made up half of the page's time. Labels of the rows' choices are looked up directly instead
of through `get_FOO_display`, which rebuilds a dict of the choices on every call.
"""

from datetime import datetime
from html import escape

from django import forms, template
from django.contrib.humanize.templatetags.humanize import intcomma, naturaltime
from django.forms import BoundField
from django.template.defaulttags import querystring
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.translation import gettext

from ..models import Application
from ..selectors import QueueRow, TabCount

register = template.Library()

_SELECTED = mark_safe(" selected")  # noqa: S308 - a constant attribute
_STATUS_LABELS = dict(Application.Status.choices)
_URGENCY_LABELS = dict(Application.Urgency.choices)


def _options(field: BoundField) -> SafeString:
    """<option>s (inside <optgroup>s for grouped choices) with the submitted value selected.

    Escaped with `html.escape` directly: through `format_html` the ~230 options of the form's
    selects cost a millisecond of every page.
    """
    current = field.value()
    current = "" if current is None else str(current)

    def options(choices) -> str:
        return "".join(
            f'<option value="{escape(str(value))}"{_SELECTED if str(value) == current else ""}>'
            f"{escape(str(label))}</option>"
            for value, label in choices
        )

    return mark_safe(  # noqa: S308 - every value and label escaped
        "".join(
            f'<optgroup label="{escape(str(value))}">{options(label)}</optgroup>'
            if isinstance(label, list | tuple)
            else options([(value, label)])
            for value, label in field.field.choices
        )
    )


def _label(field: BoundField, css: str) -> SafeString:
    """The field's label; a required field's is marked with crispy-bootstrap5's asterisk."""
    if field.field.required:
        return format_html(
            '<label for="{}" class="{} requiredField">{}<span class="asteriskField">*</span></label>',
            field.auto_id,
            css,
            field.label,
        )
    return format_html('<label for="{}" class="{}">{}</label>', field.auto_id, css, field.label)


# widgets whose template is Django's input.html and nothing else (text, search, date, checkbox)
_PLAIN_INPUTS = (forms.TextInput, forms.DateInput, forms.CheckboxInput)


def _control(field: BoundField, attrs: dict[str, str]) -> SafeString:
    """`field.as_widget(attrs=attrs)`; for a plain <input>, written out here instead of through templates.

    The widget still decides its type, value and attributes (`build_widget_attrs` and
    `get_context`, what `as_widget` calls); only Django's input.html and attrs.html are written
    in Python: through the form renderer the form's four inputs were half a millisecond a page.
    """
    widget = field.field.widget
    if not isinstance(widget, _PLAIN_INPUTS):
        return field.as_widget(attrs=attrs)
    attrs = field.build_widget_attrs(attrs, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    value = "" if context["value"] is None else f' value="{escape(str(context["value"]))}"'
    attributes = "".join(
        f" {escape(name)}" if v is True else f' {escape(name)}="{escape(str(v))}"'
        for name, v in context["attrs"].items()
        if v is not False
    )
    return mark_safe(  # noqa: S308 - every name and value escaped
        f'<input type="{escape(context["type"])}" name="{escape(context["name"])}"{value}{attributes}>'
    )


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
        control = _control(
            field, {"class": "form-check-input" + (" is-invalid" if field.errors else ""), **invalid}
        )
        return format_html(
            '<div id="div_{}" class="mb-3 form-check">{}{}{}</div>',
            control_id,
            control,
            _label(field, "form-check-label"),
            errors,
        )
    else:
        control = _control(
            field, {"class": "form-control" + (" is-invalid" if field.errors else ""), **invalid}
        )
    return format_html(
        '<div id="div_{}" class="mb-3">{}<div>{}{}</div></div>',
        control_id,
        _label(field, "form-label"),
        control,
        errors,
    )


@register.simple_tag(takes_context=True)
def queue_tabs(context, tabs: list[tuple[str, str, TabCount]], current: str, count_cap: int) -> SafeString:
    """The status tabs above the table: label, count badge, and a link keeping the other filters.

    The same markup as the template loop gave (14 links through `querystring`, `intcomma` and
    `blocktranslate` were ~0.7 ms of the page); the links still come from Django's `querystring`.
    """
    capped_title = escape(
        gettext(
            "Lebih dari %(cap)s permohonan. Dengan saringan, hitungan berhenti di %(cap)s agar halaman "
            "tetap cepat."
        )
        % {"cap": intcomma(count_cap)}
    )
    parts = []
    for value, label, count in tabs:
        active = value == current
        classes = " ".join(c for c, on in (("active", active), ("is-empty", not count.n)) if on)
        href = escape(querystring(context, status=value, setelah=None, sebelum=None))
        badge = "text-bg-light" if active else "text-bg-secondary"
        if count.capped:
            badge = (
                f'<span class="badge rounded-pill {badge}" title="{capped_title}">{intcomma(count.n)}+</span>'
            )
        else:
            badge = f'<span class="badge rounded-pill {badge}">{intcomma(count.n)}</span>'
        current_page = ' aria-current="page"' if active else ""
        parts.append(
            f'<li class="nav-item"><a class="nav-link {classes}" href="{href}"{current_page}>'
            f"{escape(str(label))} {badge}</a></li>\n"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above escaped


@register.simple_tag
def queue_rows(rows: list[QueueRow], now: datetime, officer_column: bool = False) -> SafeString:
    """The <tr>s of the queue table (the queue and the NIK search), the same cells a template loop gave.

    Steps per row: the classes (urgent, overdue); number linked to the application page and the
    document type; applicant, desa and kecamatan, and the urgency badge; status badge; received
    date with the time in its title and how long ago; due date (overdue badge, or how far away, or
    a dash once closed); the officer when the column is shown.

    What made the template loop slow is done once per page here: the labels are translated once,
    the page's time zone and the application URL (as a prefix and suffix around the id) are looked
    up once, and values are escaped with `html.escape` (what Django's `escape` calls, without its
    lazy-string wrapper). Dates go through `day_month_year`.
    """
    label_status, label_received, label_due, label_officer = (
        escape(gettext(label)) for label in ("Status", "Diterima", "Batas waktu", "Petugas")
    )
    urgent_word = escape(gettext("Mendesak"))
    overdue_badge = f'<span class="badge text-bg-warning">{escape(gettext("Lewat batas"))}</span>'
    url_before_pk, url_after_pk = reverse("applications:detail", args=[_URL_PK]).split(str(_URL_PK))
    tz = timezone.get_current_timezone()
    date_text = day_month_year()
    units = {name: _UnitText(text) for name, text in TIME_STRINGS.items()}
    # the choices' labels are lazy translations: escaping one resolves it five times (one per replace)
    statuses = {value: escape(str(label)) for value, label in _STATUS_LABELS.items()}
    urgencies = {value: escape(str(label)) for value, label in _URGENCY_LABELS.items()}
    parts = []
    for app in rows:
        created, due_at = app.created_at.astimezone(tz), app.due_at.astimezone(tz)
        overdue = app.is_open and app.due_at < now
        urgency = ""
        if app.is_urgent:
            reason = app.urgency_reason or app.urgency  # a free-text reason, else the urgency's label
            title = urgencies.get(reason) or escape(reason)
            urgency = (
                f'\n<span class="badge text-bg-danger text-wrap" title="{title}">'
                f"{urgent_word}: {urgencies.get(app.urgency) or escape(app.urgency)}</span>"
            )
        if overdue:
            due = f'{overdue_badge}\n<div class="small">{date_text(due_at)}</div>'
        elif app.is_open:
            due = (
                f"{date_text(due_at)}"
                f'<div class="small text-body-secondary">{escape(naturaltime(app.due_at))}</div>'
            )
        else:
            due = '<span class="text-body-secondary">—</span>'
        officer = ""
        if officer_column:
            officer = f'\n<td data-label="{label_officer}">{escape(app.officer or "—")}</td>'
        classes = " ".join(c for c, on in (("row-urgent", app.is_urgent), ("row-overdue", overdue)) if on)
        href = escape(f"{url_before_pk}{app.pk}{url_after_pk}")
        since = escape(timesince(app.created_at, now, time_strings=units))
        parts.append(
            f'<tr class="{classes}">'
            f'<td class="text-nowrap"><a class="fw-semibold" href="{href}">{escape(app.number)}</a>\n'
            f'<div class="small text-body-secondary text-wrap cell-type">'
            f"{escape(app.document_type_name)}</div></td>\n"
            f"<td><div>{escape(app.applicant_name)}</div>\n"
            f'<div class="small text-body-secondary">{escape(app.desa_name)}, '
            f"{escape(app.kecamatan_name)}</div>{urgency}</td>\n"
            f'<td data-label="{label_status}"><span class="badge status-badge status-{escape(app.status)}">'
            f"{statuses.get(app.status) or escape(app.status)}</span></td>\n"
            f'<td class="text-nowrap" data-label="{label_received}">'
            f'<span title="{date_text(created)} {created:%H:%M}">{date_text(created)}</span>'
            f'<div class="small text-body-secondary">{since}</div></td>\n'
            f'<td class="text-nowrap" data-label="{label_due}">{due}</td>{officer}</tr>\n'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above escaped


class _UnitText:
    """One of Django's timesince units ("%(num)d hari"), translated once per number on a page.

    Passed to `timesince` as its `time_strings`: the rows of a page repeat the same few numbers
    of months, weeks and days, and each lazy plural translation costs a few microseconds.
    """

    def __init__(self, text) -> None:
        self.text = text
        self.done: dict[int, str] = {}

    def __mod__(self, values: dict[str, int]) -> str:
        n = values["num"]
        if n not in self.done:
            self.done[n] = self.text % values
        return self.done[n]


# reversed once per page with this stand-in id, then split around it (reverse() costs ~15 µs a call)
_URL_PK = 987654321


def day_month_year():
    """A function giving `{{ value|date:"j M Y" }}` of a datetime already in local time.

    The same text as Django's date format ("7 Des 2026"): day without leading zero, the 3-letter
    month name Django translates (MONTHS_3, title-cased as its "M" does), 4-digit year. Calling the
    date filter costs ~15 µs a date, and a page of 50 rows shows up to 150.
    """
    months: dict[int, str] = {}

    def text(local: datetime) -> str:
        month = months.get(local.month)
        if month is None:
            month = months[local.month] = escape(MONTHS_3[local.month].title())
        return f"{local.day} {month} {local.year:04d}"

    return text
