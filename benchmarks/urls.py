"""The product's URLs plus /bench/bare/: a signed-in page that does nothing (the yardstick).

Every page row of `make bench` is a ratio to this view measured in the same run, so the table
compares across machines: the request passes the same middleware (session, authentication, MFA,
CSP, audit) and does no work of its own.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


@login_required
def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *portal_urlpatterns]
