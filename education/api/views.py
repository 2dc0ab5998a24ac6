"""Education API: published pages (anyone signed in, in their audiences) and a child's family questions.

Pages hold no patient data: they are read through education.selectors.readable_pages (never a
draft) and not audited. Questions are patient data: PatientScopedViewSet resolves the child
through the access policy and audits reads; families add and answer them through the services,
which record the writes. Clinicians read them (to answer at the visit).
"""

from __future__ import annotations

from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from education import selectors, services
from education.models import FamilyQuestion, Page
from portal.accounts.models import Role
from portal.api.base import ApiBehaviourMixin
from portal.api.scoping import WRITE_ACTIONS, PatientScopedViewSet
from portal.care.access import deny_patient, get_patient_or_404


class PageSerializer(serializers.ModelSerializer):
    topics = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Page
        fields = [
            "id",
            "slug",
            "language",
            "translation_key",
            "title",
            "summary",
            "body_html",
            "sources",
            "audience",
            "topics",
            "reviewed_on",
            "next_review_due",
            "published_at",
        ]
        read_only_fields = fields


class PageViewSet(ApiBehaviourMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Page.objects.none()  # for the schema; get_queryset is the readers' rule
    serializer_class = PageSerializer
    lookup_url_kwarg = "page_id"
    filterset_fields = ["language", "audience"]
    ordering_fields = ["title", "id"]
    ordering = ["title", "id"]

    def get_queryset(self):
        return selectors.readable_pages(self.request.user).prefetch_related("topics")


class QuestionSerializer(serializers.ModelSerializer):
    answered = serializers.SerializerMethodField()

    class Meta:
        model = FamilyQuestion
        fields = ["id", "text", "created_at", "answered_at", "answered"]
        read_only_fields = ["id", "created_at", "answered_at", "answered"]

    def get_answered(self, question) -> bool:
        return question.answered_at is not None


class AnsweredSerializer(serializers.Serializer):
    answered = serializers.BooleanField()


class FamilyQuestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PatientScopedViewSet):
    """Questions a family brings to the next visit. Families add and tick them off; clinicians read."""

    queryset = FamilyQuestion.objects.all()
    serializer_class = QuestionSerializer
    lookup_url_kwarg = "question_id"
    family_writes = {"create", "answered"}
    write_actions = WRITE_ACTIONS | family_writes
    filterset_fields = {"answered_at": ["isnull"]}
    ordering_fields = ["created_at", "id"]
    ordering = ["created_at", "id"]

    def initial(self, request, *args, **kwargs):
        if self.action not in self.family_writes:
            return super().initial(request, *args, **kwargs)
        APIView.initial(self, request, *args, **kwargs)  # authentication, permissions, throttles
        patient_id = kwargs.get(self.patient_url_kwarg, "")
        if request.user.role != Role.FAMILY:
            raise deny_patient(request.user, patient_id, edit=True)
        self.patient = get_patient_or_404(request.user, patient_id, audit=False)

    def get_queryset(self):
        return FamilyQuestion.objects.filter(patient=self.patient)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = services.add_question(request.user, self.patient, serializer.validated_data["text"])
        return Response(self.get_serializer(question).data, status=201)

    @action(detail=True, methods=["post"], serializer_class=AnsweredSerializer)
    def answered(self, request, *args, **kwargs):
        payload = AnsweredSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        question = services.set_answered(
            request.user, self.patient, self.get_object(), payload.validated_data["answered"]
        )
        return Response(QuestionSerializer(question).data)
