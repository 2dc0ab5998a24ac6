"""Education pages for families and the editors' workspace (issue 5 builds these out)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def library(request):
    return render(request, "education/library.html", {})


@login_required
def editor_dashboard(request):
    return render(request, "education/editor_dashboard.html", {})
