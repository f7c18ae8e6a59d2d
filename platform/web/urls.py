from django.contrib.auth import views as auth_views
from django.urls import path

from .views import chart, customers, inbox, records, rules, start, studio

app_name = "web"

urlpatterns = [
    path("", inbox.inbox_page, name="inbox"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="web:login"), name="logout"),
    path("tasks/claim/", inbox.claim_tasks, name="claim"),
    path("records/<int:record_id>/", records.record_page, name="record"),
    path("records/<int:record_id>/fire/<slug:transition>/", records.fire_transition, name="fire"),
    path("tasks/<int:task_id>/vote/", records.vote, name="vote"),
    path("projects/<slug:project>/chart/", chart.chart_page, name="chart"),
    path("projects/<slug:project>/chart/data/", chart.chart_data, name="chart-data"),
    path("studio/<slug:project>/", studio.studio, name="studio"),
    path("studio/<slug:project>/rules/<slug:plugin>/", rules.rules_page, name="rules"),
    path("studio/<slug:project>/<slug:flow>/", studio.studio_flow, name="studio-flow"),
    path("studio/<slug:project>/<slug:flow>/publish/", studio.publish, name="studio-publish"),
    path("studio/<slug:project>/<slug:flow>/rollback/<int:number>/", studio.rollback, name="studio-rollback"),
    path("customers/<int:customer_id>/", customers.customer_page, name="customer"),
    path("start/", start.start_list, name="start-list"),
    path("start/<slug:project>/<slug:flow>/", start.start_record, name="start"),
]
