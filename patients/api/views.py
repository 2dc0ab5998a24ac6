"""Patient core record API. Reads and writes go through the access policy and services."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from patients import patient_search, selectors, services
from patients.api.serializers import PatientSearchSerializer, PatientSerializer
from patients.models import Patient
from portal.accounts.models import Role
from portal.api.base import ApiBehaviourMixin
from portal.care.access import get_patient_or_404


class PatientViewSet(ApiBehaviourMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = PatientSerializer
    lookup_url_kwarg = "patient_id"
    queryset = Patient.objects.none()  # for the schema's filters; get_queryset applies the access policy
    filterset_fields = ["status", "sex"]
    ordering_fields = ["family_name", "id"]
    ordering = ["family_name", "given_name", "id"]

    def get_queryset(self):
        search = PatientSearchSerializer(data=self.request.query_params)
        search.is_valid(raise_exception=True)  # 400 {"q": [...]} for a NUL byte or an over-long query
        found, self.ranked = selectors.search_patients(
            self.request.user, search.validated_data.get("q", ""), only_my_team=False
        )
        return found

    @extend_schema(parameters=[PatientSearchSerializer])
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        with patient_search.typo_tolerance(self.ranked):
            page = self.paginate_queryset(queryset)
        selectors.audit_listed(request.user, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, patient_id=None):
        patient = get_patient_or_404(request.user, patient_id)
        return Response(self.get_serializer(patient).data)

    def create(self, request):
        if request.user.role != Role.CLINICIAN:
            raise PermissionDenied("Only clinicians register patients.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        patient = services.create_patient(request.user, serializer.validated_data)
        return Response(self.get_serializer(patient).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, patient_id=None):
        patient = get_patient_or_404(request.user, patient_id, edit=True, audit=False)
        serializer = self.get_serializer(patient, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = self.version_for_write(patient, data.pop("version", None))
        if version is None:
            raise ValidationError(
                {"version": ["Send the version you loaded (or an If-Match header), so a stale edit can be detected."]}
            )
        services.update_patient(request.user, patient, data, version)
        return Response(self.get_serializer(patient).data)
