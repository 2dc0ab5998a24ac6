"""Education routes of /api/v1/ (portal/api/urls.py includes them)."""

from django.urls import path

from education.api.views import FamilyQuestionViewSet, PageViewSet

QUESTIONS = "patients/<int:patient_id>/questions/"


def education_patterns() -> list:
    return [
        path("education/pages/", PageViewSet.as_view({"get": "list"}), name="api-education-page-list"),
        path(
            "education/pages/<int:page_id>/",
            PageViewSet.as_view({"get": "retrieve"}),
            name="api-education-page-detail",
        ),
        path(QUESTIONS, FamilyQuestionViewSet.as_view({"get": "list", "post": "create"}), name="api-question-list"),
        path(
            f"{QUESTIONS}<int:question_id>/",
            FamilyQuestionViewSet.as_view({"get": "retrieve"}),
            name="api-question-detail",
        ),
        path(
            f"{QUESTIONS}<int:question_id>/answered/",
            FamilyQuestionViewSet.as_view({"post": "answered"}),
            name="api-question-answered",
        ),
    ]
