"""A URL that fails, for the error-logging test (the site's own URLs around it)."""
from django.urls import include, path


def broken(request):
    raise RuntimeError("the broken view broke")


urlpatterns = [path("broken/", broken), path("", include("config.urls"))]
