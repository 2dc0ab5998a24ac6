"""Django admin for people, care teams, family links, emergency grants, notifications and the audit trail.

The admin is for site admins (staff who passed two-step verification, see portal.middleware).
What it shows of a child is audited through AuditedModelAdmin; account changes (role, MFA reset)
are audited too. The audit trail itself is read-only for everyone, superusers included, and can
be exported as CSV (the export is itself an audit event).
"""

from __future__ import annotations

import contextlib
import types

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.sites import NotRegistered
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnAttestation, WebAuthnCredential, WebAuthnUserHandle

from patients.models import Patient
from patients.models.patient import normalize_mrn
from portal import admin_attention
from portal.accounts import api_tokens
from portal.accounts import services as accounts
from portal.accounts.models import ApiToken, RecoveryCodeDevice, Role, User
from portal.admin_base import (
    CLINICIAN_ONLY,
    FAMILY_ONLY,
    AuditedModelAdmin,
    ReadOnlyAdminMixin,
    RoleLimitedChoiceMessages,
    audited_autocomplete_view,
    no_count_paginator,
)
from portal.care import audit
from portal.care import teams as care_teams
from portal.care.break_glass import revoke_grants
from portal.care.models import (
    AuditAction,
    AuditEvent,
    AuditPurpose,
    BreakGlassGrant,
    CareTeam,
    CareTeamChild,
    CareTeamMember,
    CareTeamMembership,
    FamilyLink,
    Notification,
)
from portal.views import audit_export

admin.site.site_header = _("ALL Care Portal administration")
admin.site.site_title = _("ALL Care Portal admin")
admin.site.index_title = _("Site administration")
# Bound before admin.site.urls is built (admin modules load at app start, URLs later).
admin.site.autocomplete_view = types.MethodType(audited_autocomplete_view, admin.site)
# The admin home shows what needs attention (portal/admin_attention.py) above the usual app list.
admin.site.index_template = "admin/portal_index.html"
admin.site.index = types.MethodType(admin_attention.index_with_attention, admin.site)

# django-otp's own device admins show TOTP secrets and recovery codes; MFA is managed from the
# user page instead (devices listed there, "Reset two-step verification" action).
for _model in (TOTPDevice, StaticDevice, WebAuthnCredential, WebAuthnAttestation, WebAuthnUserHandle):
    with contextlib.suppress(NotRegistered):
        admin.site.unregister(_model)


# --- People ------------------------------------------------------------------------------------


class UserCreateForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role", "discipline")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


def _role_errors(cleaned: dict) -> dict:
    errors = {}
    role, discipline = cleaned.get("role"), cleaned.get("discipline")
    if discipline and role != Role.CLINICIAN:
        errors["discipline"] = _("Only clinicians have a discipline. Clear it, or make the role Clinician.")
    if role == Role.CLINICIAN and not discipline:
        errors["discipline"] = _("Choose the clinician's discipline.")
    return errors


class _RoleCheckMixin:
    def clean(self):
        cleaned = super().clean()
        for field, message in _role_errors(cleaned).items():
            self.add_error(field, message)
        return cleaned


class UserCreateAdminForm(_RoleCheckMixin, UserCreateForm):
    pass


class UserEditAdminForm(_RoleCheckMixin, UserEditForm):
    pass


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditAdminForm
    add_form = UserCreateAdminForm
    ordering = ("email",)
    list_display = ("email", "full_name", "role", "discipline", "is_active", "mfa_enrolled", "last_login")
    list_filter = ("role", "discipline", "is_active", "is_staff", "is_superuser")
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("last_login", "date_joined", "mfa_devices")
    actions = ["reset_mfa", "deactivate"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "phone", "preferred_language")}),
        (_("Role"), {"fields": ("role", "discipline")}),
        (_("Two-step verification"), {"fields": ("mfa_devices",)}),
        (
            _("Access"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "role", "discipline", "password1", "password2"),
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_mfa_devices=Count("totpdevice", distinct=True))

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description=_("MFA"), boolean=True, ordering="_mfa_devices")
    def mfa_enrolled(self, obj):
        return bool(getattr(obj, "_mfa_devices", 0))

    @admin.display(description=_("Devices"))
    def mfa_devices(self, obj):
        """Names and state only: secrets and recovery codes never appear in the admin."""
        if obj is None or obj.pk is None:
            return "–"
        rows = [
            (_("Authenticator app"), d.name, _("confirmed") if d.confirmed else _("not confirmed"), d.last_used_at)
            for d in TOTPDevice.objects.filter(user=obj)
        ]
        rows += [
            (_("Recovery codes"), d.name, _("%(n)d left") % {"n": d.codes_left()}, d.last_used_at)
            for d in RecoveryCodeDevice.objects.filter(user=obj)
        ]
        rows += [
            (_("Passkey"), d.name, _("confirmed") if d.confirmed else _("not confirmed"), d.last_used_at)
            for d in WebAuthnCredential.objects.filter(user=obj)
        ]
        if not rows:
            return _("None enrolled. The user is asked to enrol at the next sign-in if their role requires it.")
        return format_html_join(
            "",
            "<div>{}: {} ({}), {}</div>",
            ((kind, name, state, used or _("never used")) for kind, name, state, used in rows),
        )

    def save_model(self, request, obj, form, change):
        if obj.role == Role.ADMIN:
            obj.is_staff = True  # a site admin needs the admin site
        super().save_model(request, obj, form, change)
        fields = [f for f in (form.changed_data if form is not None else []) if f not in ("password", "password1")]
        audit.record(
            request.user,
            AuditAction.UPDATE if change else AuditAction.CREATE,
            obj=obj,
            purpose=AuditPurpose.ADMIN,
            detail=",".join(fields)[:300],
        )

    def has_delete_permission(self, request, obj=None):
        # Users carry audit history (PROTECT): deactivate instead.
        return False

    @admin.action(description=_("Reset two-step verification (the user enrols again at next sign-in)"))
    def reset_mfa(self, request, queryset):
        count = accounts.reset_mfa(request.user, queryset)
        self.message_user(
            request,
            ngettext(
                "Two-step verification reset for %(n)d user.",
                "Two-step verification reset for %(n)d users.",
                count,
            )
            % {"n": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Deactivate selected accounts"))
    def deactivate(self, request, queryset):
        count = accounts.deactivate(request.user, queryset)
        self.message_user(request, _("%(n)d account(s) deactivated.") % {"n": count}, messages.SUCCESS)


# --- Care teams and family links ------------------------------------------------------------------


@admin.register(CareTeamMembership)
class CareTeamMembershipAdmin(RoleLimitedChoiceMessages, AuditedModelAdmin):
    invalid_choice_messages = CLINICIAN_ONLY
    list_display = ("patient", "clinician", "team_role", "active", "added_at")
    list_filter = ("team_role", "active", "clinician__discipline")
    search_fields = ("patient__mrn", "patient__family_name", "patient__given_name", "clinician__email")
    autocomplete_fields = ("patient", "clinician")
    list_select_related = ("patient", "clinician")


class CareTeamMemberInline(RoleLimitedChoiceMessages, admin.TabularInline):
    invalid_choice_messages = CLINICIAN_ONLY
    model = CareTeamMember
    extra = 0
    autocomplete_fields = ("clinician",)
    fields = ("clinician", "team_role", "joined_at")
    readonly_fields = ("joined_at",)


class CareTeamChildInline(admin.TabularInline):
    model = CareTeamChild
    extra = 0
    autocomplete_fields = ("patient",)
    fields = ("patient", "assigned_at")
    readonly_fields = ("assigned_at",)


@admin.register(CareTeam)
class CareTeamAdmin(admin.ModelAdmin):
    """Named teams: a clinician added here sees all the team's children at once; removed, loses them.

    A child's own exception is set on the child (Patients → care team): an active membership adds one
    clinician to one child; a membership with "active" unticked keeps that clinician off that child
    whatever their teams. Every seat and assignment change writes one audit row (portal.care.teams).
    """

    list_display = ("name", "member_count", "child_count", "created_at")
    search_fields = ("name",)
    fields = ("name", "description", "contact_label", "contact_phone", "contact_email", "contact_hours", "created_at")
    readonly_fields = ("created_at",)
    inlines = [CareTeamMemberInline, CareTeamChildInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_members=Count("members", distinct=True), _children=Count("children", distinct=True))
        )

    @admin.display(description=_("members"), ordering="_members")
    def member_count(self, obj):
        return obj._members

    @admin.display(description=_("children"), ordering="_children")
    def child_count(self, obj):
        return obj._children

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and getattr(response, "status_code", 200) == 200:
            # The children inline names each child: recorded like a change list of them.
            children = [c.patient for c in CareTeamChild.objects.filter(team_id=object_id).select_related("patient")]
            audit.record_many(request.user, AuditAction.LIST, children, purpose=AuditPurpose.ADMIN)
        return response

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(
            request.user,
            AuditAction.UPDATE if change else AuditAction.CREATE,
            obj=obj,
            purpose=AuditPurpose.ADMIN,
            detail=",".join(form.changed_data)[:300] if form is not None else "",
        )

    def save_formset(self, request, form, formset, change):
        """Seats and assignments go through portal.care.teams: one audit row per change."""
        instances = formset.save(commit=False)
        del instances  # new and changed objects are saved below, each with its audit row
        by = request.user
        is_members = formset.model is CareTeamMember
        for obj in formset.deleted_objects:
            (care_teams.leave_team if is_members else care_teams.unassign_child)(by, obj)
        for obj in formset.new_objects:
            care_teams.save_member(by, obj) if is_members else care_teams.save_assignment(by, obj)
        for obj, fields in formset.changed_objects:
            care_teams.save_member(by, obj, fields) if is_members else care_teams.save_assignment(by, obj)
        formset.save_m2m()


@admin.register(FamilyLink)
class FamilyLinkAdmin(RoleLimitedChoiceMessages, AuditedModelAdmin):
    invalid_choice_messages = FAMILY_ONLY
    list_display = ("patient", "user", "relationship", "access_level", "valid_from", "valid_until")
    list_filter = ("relationship", "access_level")
    search_fields = ("patient__mrn", "patient__family_name", "patient__given_name", "user__email")
    autocomplete_fields = ("patient", "user")
    list_select_related = ("patient", "user")


# --- Emergency access ------------------------------------------------------------------------


class GrantStatusFilter(admin.SimpleListFilter):
    """Active (not revoked, not yet expired), expired or revoked grants."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", _("Active now")), ("expired", _("Expired")), ("revoked", _("Revoked"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True, expires_at__gt=now)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(BreakGlassGrant)
class BreakGlassGrantAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """Grants are evidence: read-only, except that an admin may end one early. Filter "status: active now"."""

    list_display = ("created_at", "clinician", "patient", "expires_at", "revoked_at", "active")
    list_filter = (
        GrantStatusFilter,
        ("created_at", admin.DateFieldListFilter),
        ("revoked_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("patient__mrn", "clinician__email")
    list_select_related = ("patient", "clinician")
    date_hierarchy = "created_at"
    actions = ["revoke"]

    @admin.display(description=_("active"), boolean=True)
    def active(self, obj):
        return obj.is_active

    def has_revoke_permission(self, request):
        return request.user.is_active and request.user.is_site_admin

    @admin.action(description=_("Revoke selected grants now"), permissions=["revoke"])
    def revoke(self, request, queryset):
        count = revoke_grants(request.user, queryset)
        self.message_user(request, _("%(n)d grant(s) revoked.") % {"n": count}, messages.SUCCESS)


# --- Personal API tokens ------------------------------------------------------------------------


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """See and revoke tokens; they are made only on the owner's Security page (after two-step)."""

    list_display = ("name", "user", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("scope", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("user__email", "=prefix", "name")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = api_tokens.revoke_tokens_by_admin(request.user, queryset)
        self.message_user(request, ngettext("%d token revoked.", "%d tokens revoked.", count) % count)


# --- Notifications ---------------------------------------------------------------------------


@admin.register(Notification)
class NotificationAdmin(AuditedModelAdmin):
    list_display = ("created_at", "user", "kind", "title", "patient", "read_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("user__email", "patient__mrn", "title")
    autocomplete_fields = ("user", "patient")
    list_select_related = ("user", "patient")
    date_hierarchy = "created_at"


# --- The audit trail ---------------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only for everyone (superusers too); filter, search, and export what is filtered as CSV.

    Built for 100 million rows (partitioned by month on PostgreSQL): no date hierarchy (its links
    scan the table for dates), no COUNT (a paginator that only asks whether a next page exists, no
    facets), sorting only by time, and a search that is one indexed equality: an email finds the
    events recorded with that email (index user_email, at), an MRN those of that child (patient, at).
    """

    list_display = ("at", "who", "action", "purpose", "patient_mrn", "object_type", "object_id", "ip_address")
    list_filter = ("action", "purpose", ("at", admin.DateFieldListFilter))
    search_fields = ("user_email", "patient__mrn")  # interpreted by get_search_results below
    search_help_text = _("Search by exact email or exact MRN.")
    list_select_related = ("user", "patient")
    list_per_page = 50  # the page's time is its rendering once the queries are indexed: 100 rows took 0.4 s
    list_max_show_all = 0  # no "show all": it would read the whole filtered trail
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    sortable_by = ("at",)
    actions = None

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return no_count_paginator(request, queryset, per_page, orphans, allow_empty_first_page)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if "@" in term:
            emails = {term, term.lower()}
            emails.update(User.objects.filter(email__in=emails).values_list("email", flat=True))
            return queryset.filter(user_email__in=sorted(emails)), False
        patient_ids = list(Patient.objects.filter(mrn=normalize_mrn(term)).values_list("pk", flat=True))
        return queryset.filter(patient_id__in=patient_ids), False

    @admin.display(description=_("user"), ordering="user__email")
    def who(self, obj):
        return obj.user.email if obj.user_id else obj.user_email

    @admin.display(description=_("MRN"), ordering="patient__mrn")
    def patient_mrn(self, obj):
        return obj.patient.mrn if obj.patient_id else ""

    def get_urls(self):
        export = path(
            "export.csv",
            self.admin_site.admin_view(self.export_view),
            name="care_auditevent_export",
        )
        return [export, *super().get_urls()]

    def export_view(self, request):
        """Stream the rows the change list currently shows (same filters and search) as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            self.message_user(request, _("Those filters are not valid; nothing was exported."), messages.ERROR)
            return redirect("admin:care_auditevent_changelist")
        return audit_export.csv_response(request.user, changelist.queryset, filters=sorted(request.GET))
