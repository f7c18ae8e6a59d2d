from django.contrib import admin
from django.urls import include, path

from api import pages as api_pages

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("api.urls")),  # the REST API (docs/api.md)
    path("account/api-tokens/", api_pages.tokens, name="api-tokens"),
    path("studio/<slug:project>/webhooks/", api_pages.webhooks_page, name="webhooks"),  # docs/api.md
    path("", include("web.urls")),
]
