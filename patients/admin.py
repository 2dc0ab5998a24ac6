"""Admin for the patient core record, with its care team and family links inline.

Every view and change is audited (AuditedModelAdmin, purpose "admin"). Saves go through the same
optimistic concurrency as the web form and API: an admin editing a stale copy gets a form error,
never a silent overwrite. Records are never deleted (audit rows protect them): set the status.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from patients.models import Patient
from patients.services import EDITABLE_FIELDS
from portal.admin_base import CLINICIAN_ONLY, FAMILY_ONLY, AuditedModelAdmin, RoleLimitedChoiceMessages
from portal.care import audit
from portal.care.models import AuditAction, AuditPurpose, CareTeamMembership, FamilyLink
from portal.concurrency import StaleEdit, save_versioned


class CareTeamInline(RoleLimitedChoiceMessages, admin.TabularInline):
    invalid_choice_messages = CLINICIAN_ONLY
    model = CareTeamMembership
    extra = 0
    autocomplete_fields = ("clinician",)
    fields = ("clinician", "team_role", "active", "added_at")
    readonly_fields = ("added_at",)
    verbose_name_plural = _("care team")


class FamilyLinkInline(RoleLimitedChoiceMessages, admin.TabularInline):
    invalid_choice_messages = FAMILY_ONLY
    model = FamilyLink
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "relationship", "access_level", "valid_from", "valid_until", "adult_consent_on")
    verbose_name_plural = _("family links")


class PatientAdminForm(forms.ModelForm):
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Patient
        fields = EDITABLE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # The admin saves inside one transaction: lock the row so the check and the save agree.
            loaded = cleaned.get("loaded_version")
            current = Patient.objects.select_for_update().filter(pk=self.instance.pk).values_list("version", flat=True)
            if loaded is None or loaded != current.first():
                raise forms.ValidationError(StaleEdit.message, code="conflict")
        return cleaned


@admin.register(Patient)
class PatientAdmin(AuditedModelAdmin):
    patient_path = ""
    form = PatientAdminForm
    list_display = ("mrn", "family_name", "given_name", "date_of_birth", "status", "updated_at")
    list_display_links = ("mrn", "family_name")
    list_filter = ("status", "sex", "preferred_language")
    search_fields = ("=mrn", "family_name", "given_name", "preferred_name")
    search_help_text = _("Exact MRN, or part of a name.")
    readonly_fields = ("version", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("mrn", "given_name", "family_name", "preferred_name", "date_of_birth", "sex")}),
        (_("Care"), {"fields": ("status", "preferred_language")}),
        (_("Record"), {"fields": ("version", "created_at", "updated_at", "loaded_version")}),
    )
    inlines = (CareTeamInline, FamilyLinkInline)
    list_per_page = 50

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            fields = [f for f in form.changed_data if f != "loaded_version"]
            save_versioned(obj, form.cleaned_data["loaded_version"], fields)
        else:
            obj.save()
        changed = ",".join(f for f in form.changed_data if f != "loaded_version")[:300]
        audit.record(
            request.user,
            AuditAction.UPDATE if change else AuditAction.CREATE,
            patient=obj,
            obj=obj,
            purpose=AuditPurpose.ADMIN,
            detail=changed,
        )


# Admin registrations that live next to their subpackages.
from patients.clinical import admin as clinical_admin  # noqa: E402,F401
from patients.late_effects import admin as late_effects_admin  # noqa: E402,F401
from patients.reminders import admin as reminders_admin  # noqa: E402,F401
