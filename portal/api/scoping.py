"""Base classes that put every patient-data endpoint behind the access policy and the audit trail.

PatientScopedViewSet serves /api/patients/{patient_id}/<things>/: it resolves the child through
portal.care.access.get_patient_or_404 (404 + audit row when denied), narrows the queryset to that
child and, for families, to released entries, and records list/retrieve/create/update/delete.
Subclasses set `queryset`, `serializer_class` and optionally `family_readable = False` (then
families get 404) and implement writes through services, passing `version_for_write(obj, body
version)` so If-Match is honoured (portal/api/base.py).
"""

from __future__ import annotations

from rest_framework import viewsets

from portal.accounts.models import Role
from portal.api.base import ApiBehaviourMixin
from portal.care.access import deny, deny_patient, get_patient_or_404, record_patient_event, visible_entries
from portal.care.models import AuditAction

WRITE_ACTIONS = {"create", "update", "partial_update", "destroy"}


class PatientScopedViewSet(ApiBehaviourMixin, viewsets.GenericViewSet):
    family_readable = True
    patient_url_kwarg = "patient_id"
    write_actions = WRITE_ACTIONS  # subclasses add their own write actions (audited by their services)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = request.user
        is_write = self.action in self.write_actions
        if user.role == Role.FAMILY and (is_write or not self.family_readable):
            raise deny_patient(user, kwargs.get(self.patient_url_kwarg, ""), edit=is_write)
        self.patient = get_patient_or_404(user, kwargs[self.patient_url_kwarg], edit=is_write, audit=False)

    def get_queryset(self):
        return visible_entries(self.request.user, self.patient, super().get_queryset())

    def get_object(self):
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        obj = self.get_queryset().filter(**{self.lookup_field: lookup}).first()
        if obj is None:
            raise deny(
                self.request.user,
                patient=self.patient,
                object_type=self.queryset.model._meta.model_name,
                object_id=lookup,
            )
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patient = getattr(self, "patient", None)
        if patient is not None and response.status_code < 400 and self.action not in self.write_actions:
            action = AuditAction.LIST if self.action == "list" else AuditAction.VIEW
            record_patient_event(
                request.user,
                action,
                patient=patient,
                object_type=self.queryset.model._meta.model_name,
                object_id=self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""),
            )
        return response
