from django.urls import path

from education.views import care_team, editor, family

app_name = "education"

urlpatterns = [
    # Families (and clinicians) reading
    path("learn/", family.library, name="library"),
    path("learn/for-you/<int:patient_id>/", family.for_you, name="for_you"),
    path("learn/shared/<int:share_id>/", family.shared_page, name="shared_page"),
    path("learn/<str:language>/<slug:slug>/", family.page_detail, name="page"),
    path("learn/<str:language>/<slug:slug>/print/", family.page_print, name="page_print"),
    path("family/children/<int:patient_id>/questions/", family.questions, name="questions"),
    path(
        "family/children/<int:patient_id>/questions/<int:question_id>/answered/",
        family.question_answered,
        name="question_answered",
    ),
    # Care team, from the patient record
    path("patients/<int:patient_id>/send-page/", care_team.send_page, name="send_page"),
    path("patients/<int:patient_id>/family-questions/", care_team.record_questions, name="record_questions"),
    # Editors
    path("editor/", editor.editor_dashboard, name="editor_dashboard"),
    path("editor/pages/new/", editor.page_create, name="page_create"),
    path("editor/pages/<int:page_id>/", editor.editor_page, name="editor_page"),
    path("editor/pages/<int:page_id>/edit/", editor.page_edit, name="page_edit"),
    path("editor/pages/<int:page_id>/revision/edit/", editor.revision_edit, name="revision_edit"),
    path("editor/pages/<int:page_id>/history/", editor.page_history, name="page_history"),
    path("editor/pages/<int:page_id>/revisions/<int:revision_id>/", editor.revision_diff, name="revision_diff"),
    path("editor/pages/<int:page_id>/<slug:action>/", editor.page_action, name="page_action"),
]
