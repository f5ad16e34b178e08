"""Shared pieces of the admin: role scoping, a counting paginator fit for a million rows, actions.

Every ModelAdmin of the project builds on `OfficeAdmin` (or `ReadOnlyAdmin`):

- `get_queryset` narrows rows to what the user's role may see, so the changelist, the change
  form, actions and autocomplete all see the same rows, and an object URL outside them answers 404
  exactly like a missing object.
- `EstimatingPaginator` never counts a whole large table: the admin's unfiltered changelist takes
  PostgreSQL's own row estimate, a filtered one counts up to a cap.
- `ActionReport` makes every action say what it did and what it refused, with the service's reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_value
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

# the most rows one action may touch: each row is its own service call with its own checks
MAX_ACTION_ROWS = 200


# --- counting -------------------------------------------------------------------------------------


class EstimatingPaginator(Paginator):
    """A paginator whose count is cheap at any table size.

    Steps of `count`:
    1. Not PostgreSQL, or not a queryset: the exact COUNT(*) (SQLite is the small-office default).
    2. No WHERE clause (the unfiltered changelist of an office-wide user): read the planner's
       estimate `reltuples` from pg_class; below `exact_below` rows count exactly, since that is
       cheap and small offices like an exact number.
    3. Filtered (a filter, a search, or a role's scope): count at most `cap` + 1 rows in a LIMITed
       subquery; past the cap the list says "more than <cap>" and offers the pages up to it.
    """

    exact_below = 20_000
    cap = 10_000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_estimate = False
        self.is_capped = False

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if not isinstance(qs, QuerySet):
            return super().count
        connection = connections[qs.db]
        if connection.vendor != "postgresql":
            return qs.count()
        if not qs.query.where and not qs.query.distinct and not qs.query.combinator:
            estimate = self._reltuples(connection, qs.model._meta.db_table)
            if estimate >= self.exact_below:
                self.is_estimate = True
                return estimate
            return qs.count()
        counted = qs.order_by()[: self.cap + 1].count()
        if counted > self.cap:
            self.is_capped = True
            return self.cap
        return counted

    @staticmethod
    def _reltuples(connection, table: str) -> int:
        """The planner's row estimate; -1 (never analysed) or a missing table give -1."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                [connection.ops.quote_name(table)],
            )
            row = cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else -1


# --- role scoping -------------------------------------------------------------------------------


def user_bidang_scope(user) -> str | None:
    """The bidang a user is confined to, "" for office-wide users, None for somebody who sees nothing."""
    if user.is_office_wide:
        return ""
    if user.role in ("petugas", "kepala_bidang") and user.bidang:
        return user.bidang
    return None


class OfficeAdmin(admin.ModelAdmin):
    """Base of every ModelAdmin here: role scoping, 404 for what is out of scope, cheap lists.

    `bidang_path` names the lookup from the model to a bidang (e.g. "application__bidang"); petugas
    and kepala bidang then see only their bidang's rows. None means the rows are office-wide data
    (regions, the catalogue, batches that carry both bidang's documents): every office role sees
    them, within its model permissions.
    """

    bidang_path: str | None = None
    paginator = EstimatingPaginator
    show_full_result_count = False
    # counts beside each filter choice scan the table once per choice
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    list_max_show_all = 200

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.scope_queryset(request, super().get_queryset(request))

    def scope_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        user = request.user
        if getattr(user, "role", None) == "pemdes":
            return qs.none()  # the site refuses them already; defence in depth
        if self.bidang_path is None:
            return qs
        scope = user_bidang_scope(user)
        if scope is None:
            return qs.none()
        return qs.filter(**{self.bidang_path: scope}) if scope else qs

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        """What this user may not see answers 404, like a missing object (not the admin's redirect)."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    # --- the audit trail: every add, change and delete made here also writes an AuditEntry ---

    def log_addition(self, request: HttpRequest, obj, message):
        audit_admin_write(request, "add", [obj])
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj, message):
        audit_admin_write(request, "change", [obj])
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset):
        """Called before the objects are deleted (one object or a bulk "delete selected")."""
        audit_admin_write(request, "delete", list(queryset))
        return super().log_deletions(request, queryset)


def audit_admin_write(request: HttpRequest, verb: str, objects: Iterable) -> None:
    """One audit row per object written through the admin: "admin:<verb>:<app_label>.<model>".

    Steps: name the model by its label (never the object's text, which may hold a NIK or a phone
    number), keep the primary key as the object id, and let `audit_record` add the user and IP.
    """
    from dukcapil.core.audit import audit_record  # the audit module imports the models

    for obj in objects:
        audit_record(
            request=request,
            action=f"admin:{verb}:{obj._meta.label_lower}",
            obj=obj,
        )


class ReadOnlyAdmin(OfficeAdmin):
    """History and machinery: viewable, never added, changed or deleted by hand."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows of the parent object (its history, its items), shown to whoever may view the parent."""

    template = "admin/dukcapil/readonly_tabular.html"
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        # the parent's admin has scoped the parent already; its own rows come with it
        return self.admin_site._registry[self.parent_model].has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.fields or [f.name for f in self.model._meta.fields]


def shown(name: str, label, *, ordering: str | None = "", boolean: bool = False):
    """A read-only field or column under an Indonesian label, for model fields named only in English.

    Assign it as a ModelAdmin attribute (`ready_at_ = shown("ready_at", _("siap pada"))`) and list
    the attribute's name. Choice fields show their label, dates the office's local time.
    """

    def display(model_admin, obj):
        getter = getattr(obj, f"get_{name}_display", None)
        value = getter() if callable(getter) else getattr(obj, name)
        if boolean:
            return value
        return display_for_value(value, model_admin.get_empty_value_display())

    return admin.display(description=label, ordering=name if ordering == "" else ordering, boolean=boolean)(
        display
    )


# --- writes through services ------------------------------------------------------------------


class ServiceModelForm(forms.ModelForm):
    """A model form whose save IS a service call, so the admin cannot go around the service's rules.

    `save_through_service` runs at the end of `clean()`, inside the transaction the admin opens for
    the whole change view: a refusal (the service's own Indonesian message) becomes a form error
    and nothing is written; on success the service's object replaces the instance and the admin
    has nothing left to save (see `ServiceFormAdmin`, which also keeps inline formsets out of the
    POST, so no inline error can follow a change the service has already made).
    """

    actor = None  # the requesting user, set by ServiceFormAdmin.get_form
    service_errors: tuple[type[Exception], ...] = ()

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            result = self.save_through_service(data)
        except self.service_errors as exc:
            raise ValidationError(refusal_text(exc)) from None
        if result is not None:
            self.instance = result
        return data

    def save_through_service(self, data: dict):
        raise NotImplementedError


class ServiceFormAdmin(OfficeAdmin):
    """A ModelAdmin whose form is a `ServiceModelForm`: the service has saved by the time the form is valid."""

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_inline_instances(self, request: HttpRequest, obj=None):
        # Inlines of these admins are read-only: on a POST they have nothing to save, and leaving
        # them out means no formset can fail after the service has already made the change.
        if request.method == "POST":
            return []
        return super().get_inline_instances(request, obj)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        pass  # done by the service in the form's clean()

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        pass  # the service set the many-to-many fields too; inlines of these admins are read-only


# --- actions ------------------------------------------------------------------------------------


def refusal_text(exc: Exception) -> str:
    """A service's refusal as one sentence (ValidationError keeps a list of messages)."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    details = getattr(exc, "messages", None)  # e.g. RotaInvalid: one line per broken rule
    if details:
        return f"{exc} {_short_list(list(details), limit=3, sep='; ')}"
    return str(exc)


@dataclass
class ActionReport:
    """What an action did and what it refused, told to the user in two or three messages."""

    verb: str  # past tense, e.g. "mulai diverifikasi"
    done: list[str] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def ok(self, label: str) -> None:
        self.done.append(label)

    def refuse(self, label: str, reason: str) -> None:
        self.refused[reason].append(label)

    def run(self, label: str, call: Callable[[], object], errors: tuple[type[Exception], ...]) -> bool:
        """Call one service; a refusal is recorded with its message, anything else propagates."""
        try:
            call()
        except errors as exc:
            self.refuse(label, refusal_text(exc))
            return False
        self.ok(label)
        return True

    def send(self, modeladmin: admin.ModelAdmin, request: HttpRequest) -> None:
        if self.done:
            modeladmin.message_user(
                request,
                _("%(n)d %(verb)s: %(labels)s.")
                % {"n": len(self.done), "verb": self.verb, "labels": _short_list(self.done)},
                messages.SUCCESS,
            )
        for reason, labels in self.refused.items():
            modeladmin.message_user(
                request,
                _("%(n)d ditolak — %(labels)s: %(reason)s")
                % {"n": len(labels), "labels": _short_list(labels), "reason": reason},
                messages.WARNING if self.done else messages.ERROR,
            )
        if not self.done and not self.refused:
            modeladmin.message_user(request, _("Tidak ada yang dikerjakan."), messages.INFO)


def _short_list(labels: list[str], limit: int = 10, sep: str = ", ") -> str:
    text = sep.join(labels[:limit])
    if len(labels) > limit:
        text += _(" dan %(n)d lainnya") % {"n": len(labels) - limit}
    return text


def limited_rows(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> list | None:
    """The selected rows, or None (with a message) when more than MAX_ACTION_ROWS were selected.

    "Select all N" across pages can mean a million rows; an action runs one service call per row,
    so it is bounded here and the user is asked to narrow the list with a filter first.
    """
    rows = list(queryset[: MAX_ACTION_ROWS + 1])
    if len(rows) > MAX_ACTION_ROWS:
        modeladmin.message_user(
            request,
            _("Terlalu banyak baris dipilih: paling banyak %(n)d sekaligus. Saring daftarnya dulu.")
            % {"n": MAX_ACTION_ROWS},
            messages.ERROR,
        )
        return None
    return rows


@dataclass
class ActionRow:
    """One selected object on an action's intermediate page: its cells, its inputs, why it cannot go."""

    pk: int
    cells: list
    inputs: list = field(default_factory=list)
    problem: str = ""


class ActionForm(forms.Form):
    """The form of an intermediate page: shared fields above the table, per-row fields in it.

    Per-row fields are named `<name>_<pk>`; `row_fields(pk)` gives the bound fields of one row.
    """

    row_field_names: tuple[str, ...] = ()

    def __init__(self, *args, pks: Iterable[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.pks = list(pks)
        for pk in self.pks:
            for name in self.row_field_names:
                self.fields[f"{name}_{pk}"] = self.row_field(name, pk)

    def row_field(self, name: str, pk: int) -> forms.Field:
        raise NotImplementedError

    def row_fields(self, pk: int) -> list:
        return [self[f"{name}_{pk}"] for name in self.row_field_names]

    def row_value(self, name: str, pk: int):
        return self.cleaned_data.get(f"{name}_{pk}")

    @property
    def shared_fields(self) -> list:
        per_row = {f"{name}_{pk}" for pk in self.pks for name in self.row_field_names}
        return [bf for bf in self.visible_fields() if bf.name not in per_row]

    def hidden_fields(self) -> list:
        per_row = {f"{name}_{pk}" for pk in self.pks for name in self.row_field_names}
        return [bf for bf in super().hidden_fields() if bf.name not in per_row]


def action_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    *,
    action: str,
    title: str,
    header: list,
    rows: Iterable[ActionRow],
    form: forms.Form | None = None,
    intro: str = "",
    submit_label: str = "",
) -> TemplateResponse:
    """The intermediate page of an action: the selected rows, their inputs, and one confirm button.

    The page posts back to the changelist with the same `action` and `_selected_action` ids, so the
    second round goes through the admin's action machinery again (and through `get_queryset`: ids
    outside the user's scope simply drop out).
    """
    opts = modeladmin.model._meta
    rows = list(rows)
    shared = []
    if form is not None:
        shared = form.shared_fields if isinstance(form, ActionForm) else form.visible_fields()
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "opts": opts,
        "app_label": opts.app_label,
        "action": action,
        "header": header,
        "rows": rows,
        "has_problem_column": any(row.problem for row in rows),
        "form": form,
        # an ActionForm keeps its per-row fields for the table; any other form shows all its fields
        "shared_fields": shared,
        "hidden_fields": form.hidden_fields() if form is not None else [],
        "submit_label": submit_label or _("Jalankan"),
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media + (form.media if form is not None else forms.Media()),
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/dukcapil/action_page.html", context)


def is_confirmed(request: HttpRequest) -> bool:
    """True on the intermediate page's own submit (the first round comes from the changelist)."""
    return request.method == "POST" and request.POST.get("confirm") == "yes"
