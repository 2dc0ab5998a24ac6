"""The site's own error pages and root files.

* /favicon.ico: browsers ask for it on every page whatever the page's <link rel="icon"> says; it is
  the same file as static portal/favicon.ico, served from memory with a long cache lifetime.
* server_error: the 500 page is rendered from the template alone, with no context processors and no
  database (whatever broke may be the database); the template is bilingual for that reason.
"""

from pathlib import Path

from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

FAVICON = (Path(__file__).resolve().parent.parent / "static" / "portal" / "favicon.ico").read_bytes()


@require_GET
@cache_control(public=True, max_age=60 * 60 * 24 * 7)
def favicon(request):
    return HttpResponse(FAVICON, content_type="image/x-icon")


def server_error(request, template_name="500.html"):
    return HttpResponseServerError(loader.get_template(template_name).render())
