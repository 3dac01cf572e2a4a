"""Routes of the front end's shell: `/`, `/app/...`, the built assets and the icon."""

from django.urls import path, re_path

from designer.web import views

urlpatterns = [
    path("", views.shell, name="app-home"),
    re_path(r"^app/(?P<path>.*)$", views.shell, name="app"),
    path("static/app/assets/<str:name>", views.asset, name="app-asset"),
    path("static/app/favicon.svg", views.favicon, name="app-icon"),
    path("favicon.ico", views.favicon, name="favicon"),
]
