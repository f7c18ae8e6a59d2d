from django.contrib.auth import views as auth_views
from django.urls import path

from .views import chart, customers, inbox, records, rules, start, studio, units

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

urlpatterns += [
    path("projects/<slug:project>/units/<int:unit_id>/", units.unit_card, name="unit"),
]

# the record page's task actions (views/task_actions.py)
urlpatterns += [
    path("tasks/<int:task_id>/<slug:action>/", records.task_action, name="task-action"),
    path("records/<int:record_id>/send-back/", records.send_back, name="send-back"),
    path("records/<int:record_id>/withdraw/", records.withdraw, name="withdraw"),
]

# the inbox's bulk and row actions, saved filters, and the records list per flow (views/inbox.py, views/record_list.py)
from .views import record_list  # noqa: E402

urlpatterns += [
    path("tasks/approve/", inbox.approve_tasks, name="approve-tasks"),
    path("tasks/unclaim/", inbox.unclaim_task, name="unclaim"),
    path("inbox/filters/", inbox.save_filter, name="inbox-filter-save"),
    path("inbox/filters/<int:filter_id>/delete/", inbox.delete_filter, name="inbox-filter-delete"),
    path("projects/<slug:project>/records/", record_list.record_list, name="record-list"),
    path("projects/<slug:project>/records/<slug:flow>/", record_list.record_list, name="record-list-flow"),
]

# the form pickers' search endpoints (views/lookups.py)
from .views import lookups  # noqa: E402

urlpatterns += [
    path("lookups/<slug:project>/units/", lookups.unit_lookup, name="lookup-units"),
    path("lookups/<slug:project>/customers/", lookups.customer_lookup, name="lookup-customers"),
]
