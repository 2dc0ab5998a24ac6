from django.urls import path

from education import views

app_name = "education"

urlpatterns = [
    path("learn/", views.library, name="library"),
    path("editor/", views.editor_dashboard, name="editor_dashboard"),
]
