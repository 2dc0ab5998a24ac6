"""Admin base class that puts patient data viewed or changed in Django's admin into the audit trail.

Set `patient_path` to the attribute path from the model to its Patient ("patient" for entries,
"" for the Patient model itself). Change-page views, saves and deletions are recorded with
purpose "admin"; change lists record one row per child shown.
"""

from __future__ import annotations

from django.contrib import admin

from portal import audit
from portal.models import AuditAction, AuditPurpose


def _patient_of(obj, path: str):
    if obj is None:
        return None
    if path == "":
        return obj
    for part in path.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


class AuditedModelAdmin(admin.ModelAdmin):
    patient_path: str = "patient"

    def _record(self, request, action, obj, detail: str = ""):
        patient = _patient_of(obj, self.patient_path)
        if patient is not None:
            audit.record(request.user, action, patient=patient, obj=obj, purpose=AuditPurpose.ADMIN, detail=detail)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and getattr(response, "status_code", 200) == 200:
            self._record(request, AuditAction.VIEW, self.get_object(request, object_id))
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        # An action POST answers with a redirect, which has no context_data.
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if cl is not None:
            patients = {p.pk: p for p in (_patient_of(o, self.patient_path) for o in cl.result_list) if p is not None}
            audit.record_many(request.user, AuditAction.LIST, patients.values(), purpose=AuditPurpose.ADMIN)
        return response

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = ",".join(form.changed_data)[:300] if form is not None else ""
        self._record(request, AuditAction.UPDATE if change else AuditAction.CREATE, obj, detail=changed)

    def delete_model(self, request, obj):
        self._record(request, AuditAction.DELETE, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._record(request, AuditAction.DELETE, obj)
        super().delete_queryset(request, queryset)
