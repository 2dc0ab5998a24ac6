"""Care-plan API: /api/patients/{patient_id}/follow-ups/ (families: released items only).

Reads go through PatientScopedViewSet (access policy + audit). `complete` and `close` are writes:
families get 404, other users need edit rights on the child; the services validate and audit.
"""

from __future__ import annotations

from django.http import Http404
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from patients.late_effects import services
from patients.late_effects.models import CarePlan, FollowUpItem, FollowUpStatus
from portal.accounts.models import Role
from portal.api.scoping import WRITE_ACTIONS, PatientScopedViewSet
from portal.care.access import deny_patient, get_patient_or_404


class FollowUpItemSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()

    class Meta:
        model = FollowUpItem
        fields = [
            "id",
            "slot",
            "screening_key",
            "what",
            "what_plain",
            "why",
            "late_effect",
            "reasons",
            "sources",
            "rule_ids",
            "due_on",
            "status",
            "state",
            "completed_on",
            "result_note",
            "status_reason",
            "visibility",
            "version",
        ]
        read_only_fields = fields

    def get_state(self, obj) -> str:
        return obj.state()


class CompleteSerializer(serializers.Serializer):
    done_on = serializers.DateField()
    result_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    version = serializers.IntegerField(required=False, help_text="The item version you loaded; a stale one → 409.")


class CloseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[FollowUpStatus.DECLINED, FollowUpStatus.WAIVED])
    reason = serializers.CharField(max_length=1000)
    version = serializers.IntegerField(required=False, help_text="The item version you loaded; a stale one → 409.")


class FollowUpItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PatientScopedViewSet):
    queryset = FollowUpItem.objects.order_by("due_on", "slot", "id")
    serializer_class = FollowUpItemSerializer
    item_write_actions = {"complete", "close"}
    write_actions = WRITE_ACTIONS | item_write_actions
    filterset_fields = {"status": ["exact"], "due_on": ["gte", "lte"], "late_effect": ["exact"]}
    ordering_fields = ["due_on", "id"]
    ordering = ["due_on", "slot", "id"]

    def initial(self, request, *args, **kwargs):
        if self.action not in self.item_write_actions:
            return super().initial(request, *args, **kwargs)
        APIView.initial(self, request, *args, **kwargs)  # authentication and permissions
        if request.user.role == Role.FAMILY:
            raise deny_patient(request.user, kwargs.get(self.patient_url_kwarg, ""), edit=True)
        self.patient = get_patient_or_404(request.user, kwargs[self.patient_url_kwarg], edit=True, audit=False)

    @action(detail=True, methods=["post"])
    def complete(self, request, patient_id=None, pk=None):
        payload = CompleteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        item = self.get_object()
        fields = dict(payload.validated_data)
        fields["version"] = self.version_for_write(item, fields.get("version"))
        nxt = services.complete_item(request.user, item, **fields)
        item.refresh_from_db()
        data = {"item": self.get_serializer(item).data, "next": self.get_serializer(nxt).data if nxt else None}
        return Response(data)

    @action(detail=True, methods=["post"])
    def close(self, request, patient_id=None, pk=None):
        payload = CloseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        item = self.get_object()
        fields = dict(payload.validated_data)
        fields["version"] = self.version_for_write(item, fields.get("version"))
        item = services.close_item(request.user, item, **fields)
        return Response(self.get_serializer(item).data)


class CarePlanSerializer(serializers.ModelSerializer):
    ruleset = serializers.StringRelatedField()

    class Meta:
        model = CarePlan
        fields = ["id", "ruleset", "notes", "released_to_family", "computed_at", "version"]
        read_only_fields = fields


class CarePlanViewSet(PatientScopedViewSet):
    """GET /care-plan/: the plan's header (rule set, release state); its items are /follow-ups/. Staff only."""

    family_readable = False
    queryset = CarePlan.objects.select_related("ruleset")
    serializer_class = CarePlanSerializer

    def retrieve(self, request, *args, **kwargs):
        plan = self.get_queryset().first()
        if plan is None:
            raise Http404("No care plan yet.")
        return Response(self.get_serializer(plan).data)
