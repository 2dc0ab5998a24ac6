"""Django admin for every education model. Workflow fields are read-only here: the workflow's rules
(review by someone else, dates, history) live in education/services.py and the editors' workspace."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from education.models import (
    CuratedQuestion,
    FamilyQuestion,
    Page,
    PageRevision,
    PageShare,
    PageWorkingCopy,
    QuestionSet,
    Topic,
)
from education.services import _snapshot
from portal.admin_base import AuditedModelAdmin, ReadOnlyAdminMixin


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "name_es", "slug", "order"]
    prepopulated_fields = {"slug": ["name"]}


class PageRevisionInline(admin.TabularInline):
    model = PageRevision
    fields = ["number", "kind", "user", "note", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None):
        return False


class ReviewFilter(admin.SimpleListFilter):
    """Published pages whose next review date has passed (linked from the admin home's attention panel)."""

    title = _("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue for review"))]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.filter(status="published", next_review_due__lt=timezone.localdate())
        return queryset


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "audience", "status", "reviewed_on", "next_review_due", "publish_at"]
    list_filter = ["status", ReviewFilter, "language", "audience", "topics"]
    search_fields = ["title", "slug", "translation_key"]
    readonly_fields = [
        "status",
        "author",
        "reviewer",
        "reviewed_on",
        "next_review_due",
        "published_at",
        "version",
        "created_at",
        "updated_at",
    ]
    filter_horizontal = ["topics"]
    inlines = [PageRevisionInline]

    def save_model(self, request, obj, form, change):
        """Drafts edited here keep the same history as in the editors' workspace."""
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)
        _snapshot(obj, "edited" if change else "created", request.user, note="admin")

    def has_change_permission(self, request, obj=None):
        # Published content changes go through reopen → edit → review, so the history stays whole.
        if obj is not None and obj.status != "draft":
            return False
        return super().has_change_permission(request, obj)


@admin.register(PageRevision)
class PageRevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["page", "number", "kind", "user", "created_at"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in PageRevision._meta.fields]


@admin.register(PageWorkingCopy)
class PageWorkingCopyAdmin(admin.ModelAdmin):
    """Read-only: revisions are written and reviewed in the editors' workspace, where the rules hold."""

    list_display = ["page", "state", "started_by", "started_at", "updated_at"]
    list_filter = ["state"]
    readonly_fields = [f.name for f in PageWorkingCopy._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CuratedQuestionInline(admin.TabularInline):
    model = CuratedQuestion
    extra = 1


@admin.register(QuestionSet)
class QuestionSetAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "slug", "order"]
    list_filter = ["language"]
    inlines = [CuratedQuestionInline]


@admin.register(PageShare)
class PageShareAdmin(AuditedModelAdmin):
    list_display = ["page", "patient", "shared_by", "created_at"]
    readonly_fields = ["page", "patient", "shared_by", "message", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(FamilyQuestion)
class FamilyQuestionAdmin(AuditedModelAdmin):
    list_display = ["id", "patient", "created_at", "answered_at"]
    readonly_fields = ["patient", "created_by", "curated", "text", "created_at"]

    def has_add_permission(self, request):
        return False
