"""Forms for the editors' workspace, sending a page, and families' questions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from education import vocabulary
from education.models import CuratedQuestion, Page, PageWorkingCopy, Topic


class PageForm(forms.ModelForm):
    relevance_tags = forms.MultipleChoiceField(
        label=_("Relevance tags"),
        required=False,
        choices=vocabulary.tag_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The moments of care this page helps with; it appears under “For you now” for those children."),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"), queryset=Topic.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Optional. Once approved, the page goes live at this time."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Page
        fields = [
            "title",
            "slug",
            "language",
            "translation_key",
            "audience",
            "summary",
            "body",
            "sources",
            "topics",
            "relevance_tags",
            "publish_at",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 20}), "sources": forms.Textarea(attrs={"rows": 4})}


class RevisionForm(forms.ModelForm):
    """The working copy of a published page: its text, sources, topics and tags (not its slug or audience)."""

    relevance_tags = PageForm.base_fields["relevance_tags"]
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"), queryset=Topic.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = PageWorkingCopy
        fields = ["title", "summary", "body", "sources", "topics", "relevance_tags"]
        widgets = {"body": forms.Textarea(attrs={"rows": 20}), "sources": forms.Textarea(attrs={"rows": 4})}


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)
    publish_at = forms.DateTimeField(
        label=_("Publish at (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class SendPageForm(forms.Form):
    page = forms.ModelChoiceField(label=_("Page"), queryset=Page.objects.none())
    message = forms.CharField(
        label=_("Note to the family (optional)"),
        required=False,
        max_length=300,
        help_text=_("Do not include health details; the family reads the page after signing in."),
    )

    def __init__(self, *args, pages=None, **kwargs):
        super().__init__(*args, **kwargs)
        if pages is not None:
            self.fields["page"].queryset = pages


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Your question"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class CuratedQuestionForm(forms.Form):
    """Adding one of the questions other families ask (a hidden field on each "Add to my list" button)."""

    curated = forms.ModelChoiceField(
        queryset=CuratedQuestion.objects.all(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("That question is not on the list. Pick one from the lists below.")},
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search the library"), required=False, max_length=200)


class EditorFilterForm(forms.Form):
    """The editors' dashboard filter text (CharField refuses NUL bytes, which PostgreSQL cannot search)."""

    q = forms.CharField(label=_("Title or slug contains"), required=False, max_length=100)
