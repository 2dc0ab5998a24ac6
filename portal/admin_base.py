"""Admin base class that puts patient data viewed or changed in Django's admin into the audit trail.

Set `patient_path` to the attribute path from the model to its Patient ("patient" for entries,
"" for the Patient model itself). Change-page views, saves, inline saves and deletions are
recorded with purpose "admin"; change lists record one row per child shown (one INSERT).
"""

from __future__ import annotations

from functools import cached_property

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.views.main import PAGE_VAR
from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _

from portal.care import audit
from portal.care.models import AuditAction, AuditPurpose


def patient_of(obj, path: str):
    """Follow `path` ("" = the object itself, "a__b" = obj.a.b) to the Patient, or None."""
    if obj is None:
        return None
    if path == "":
        return obj
    for part in path.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


_patient_of = patient_of  # older name, kept for callers written against the first contract


class ReadOnlyAdminMixin:
    """Evidence rows: viewable in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedModelAdmin(admin.ModelAdmin):
    patient_path: str = "patient"

    def _record(self, request, action, obj, detail: str = "", patient=None, object_id=""):
        patient = patient if patient is not None else patient_of(obj, self.patient_path)
        if patient is not None:
            audit.record(
                request.user,
                action,
                patient=patient,
                obj=obj,
                object_id=object_id,
                purpose=AuditPurpose.ADMIN,
                detail=detail,
            )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and getattr(response, "status_code", 200) == 200:
            self._record(request, AuditAction.VIEW, self.get_object(request, object_id))
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        # Action POSTs and bad filters answer with a redirect, which has no change list to audit.
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if cl is not None:
            patients = {p.pk: p for p in (patient_of(o, self.patient_path) for o in cl.result_list) if p is not None}
            audit.record_many(request.user, AuditAction.LIST, patients.values(), purpose=AuditPurpose.ADMIN)
        return response

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = ",".join(form.changed_data)[:300] if form is not None else ""
        self._record(request, AuditAction.UPDATE if change else AuditAction.CREATE, obj, detail=changed)

    def save_formset(self, request, form, formset, change):
        """Inline rows (care team, family links, entries) are patient data too: audit each one."""
        deleting = [(f.instance, f.instance.pk) for f in formset.deleted_forms if f.instance.pk is not None]
        super().save_formset(request, form, formset, change)
        patient = patient_of(form.instance, self.patient_path)
        for obj in formset.new_objects:
            self._record(request, AuditAction.CREATE, obj, patient=patient)
        for obj, fields in formset.changed_objects:
            self._record(request, AuditAction.UPDATE, obj, detail=",".join(fields)[:300], patient=patient)
        for obj, pk in deleting:
            self._record(request, AuditAction.DELETE, obj, patient=patient, object_id=pk)

    def delete_model(self, request, obj):
        self._record(request, AuditAction.DELETE, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._record(request, AuditAction.DELETE, obj)
        super().delete_queryset(request, queryset)


class RoleLimitedChoiceMessages:
    """Admin (or inline) mixin: a clear message when a user of the wrong role is picked.

    CareTeamMembership.clinician and FamilyLink.user limit their choices by role, so a wrong pick
    fails as "not one of the available choices" before the model's clean() runs; say why instead.
    """

    invalid_choice_messages: dict[str, str] = {}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        message = self.invalid_choice_messages.get(db_field.name)
        if field is not None and message:
            field.error_messages["invalid_choice"] = message
        return field


CLINICIAN_ONLY = {"clinician": _("Only clinicians can join a care team.")}
FAMILY_ONLY = {"user": _("Only family accounts can be linked to a child.")}


class AuditedAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete lists children by name too: audit them like a change list page."""

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        model_admin = getattr(self, "model_admin", None)
        if isinstance(model_admin, AuditedModelAdmin):
            found = (patient_of(o, model_admin.patient_path) for o in context["object_list"])
            patients = {p.pk: p for p in found if p is not None}
            audit.record_many(self.request.user, AuditAction.LIST, patients.values(), purpose=AuditPurpose.ADMIN)
        return context


def audited_autocomplete_view(self, request):
    return AuditedAutocompleteJsonView.as_view(admin_site=self)(request)


class NoCountPaginator(Paginator):
    """Pages of a huge table without COUNT(*): reads the ids of the asked page plus one row, so the
    change list knows whether a next page exists. `count` is then "at least this many"."""

    def __init__(self, object_list, per_page, *, page_number=1, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.page_number = page_number

    @cached_property
    def count(self) -> int:
        offset = (self.page_number - 1) * self.per_page
        ids = self.object_list.values_list("pk", flat=True)[offset : offset + self.per_page + 1]
        return offset + len(ids)


def no_count_paginator(request, queryset, per_page, orphans=0, allow_empty_first_page=True) -> NoCountPaginator:
    """ModelAdmin.get_paginator for huge tables (set show_full_result_count = False too)."""
    try:
        page_number = max(int(request.GET.get(PAGE_VAR, 1)), 1)
    except ValueError:
        page_number = 1
    return NoCountPaginator(
        queryset, per_page, page_number=page_number, orphans=0, allow_empty_first_page=allow_empty_first_page
    )
