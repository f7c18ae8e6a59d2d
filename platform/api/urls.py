"""/api/v1/ (docs/api.md); the OpenAPI document at /api/schema/ and its browsable page at /api/docs/."""
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .views import figures, followups, import_jobs, projects, records, tasks, webhooks

app_name = "api"

v1 = [
    path("projects/", projects.ProjectList.as_view(), name="projects"),
    path("projects/<slug:code>/members/", projects.MemberList.as_view(), name="members"),
    path("projects/<slug:code>/buildings/", projects.BuildingList.as_view(), name="buildings"),
    path("projects/<slug:code>/units/", projects.UnitList.as_view(), name="units"),
    path("projects/<slug:code>/customers/", projects.CustomerList.as_view(), name="customers"),
    path("projects/<slug:code>/visits/", projects.VisitCreate.as_view(), name="visits"),
    path("projects/<slug:code>/payments/", projects.PaymentList.as_view(), name="payments"),
    path("projects/<slug:code>/follow-ups/", followups.FollowUpList.as_view(), name="follow-ups"),
    path("projects/<slug:code>/follow-ups/stages/", followups.StageList.as_view(), name="follow-up-stages"),
    path("projects/<slug:code>/import-jobs/", import_jobs.ImportJobList.as_view(), name="import-jobs"),
    path("projects/<slug:code>/import-jobs/<int:job_id>/", import_jobs.ImportJobDetailView.as_view(),
         name="import-job"),
    path("projects/<slug:code>/import-jobs/<int:job_id>/problems-file/", import_jobs.ImportJobProblemsFile.as_view(),
         name="import-job-problems-file"),
    path("projects/<slug:code>/figures/", figures.ProjectFigures.as_view(), name="figures"),
    path("projects/<slug:code>/webhooks/", webhooks.SubscriptionList.as_view(), name="webhooks"),
    path("projects/<slug:code>/webhooks/deliveries/", webhooks.DeliveryList.as_view(), name="webhook-deliveries"),
    path("projects/<slug:code>/webhooks/deliveries/<int:delivery_id>/redeliver/", webhooks.Redeliver.as_view(),
         name="webhook-redeliver"),
    path("projects/<slug:code>/webhooks/<int:subscription_id>/", webhooks.SubscriptionDetail.as_view(),
         name="webhook"),
    path("projects/<slug:code>/webhooks/<int:subscription_id>/rotate-secret/", webhooks.RotateSecret.as_view(),
         name="webhook-rotate"),
    path("projects/<slug:code>/flows/", records.FlowList.as_view(), name="flows"),
    path("projects/<slug:code>/records/", records.RecordList.as_view(), name="records"),
    path("records/<int:record_id>/", records.RecordDetail.as_view(), name="record"),
    path("records/<int:record_id>/history/", records.History.as_view(), name="history"),
    path("records/<int:record_id>/transitions/<slug:transition>/", records.Fire.as_view(), name="fire"),
    path("records/<int:record_id>/send-back/", records.SendBack.as_view(), name="send-back"),
    path("records/<int:record_id>/withdraw/", records.Withdraw.as_view(), name="withdraw"),
    path("tasks/", tasks.Inbox.as_view(), name="inbox"),
    path("tasks/<int:task_id>/claim/", tasks.Claim.as_view(), name="claim"),
    path("tasks/<int:task_id>/unclaim/", tasks.Unclaim.as_view(), name="unclaim"),
    path("tasks/<int:task_id>/complete/", tasks.Complete.as_view(), name="complete"),
    path("tasks/<int:task_id>/vote/", tasks.Vote.as_view(), name="vote"),
    path("tasks/<int:task_id>/transfer/", tasks.Transfer.as_view(), name="transfer"),
    path("tasks/<int:task_id>/delegate/", tasks.Delegate.as_view(), name="delegate"),
    path("tasks/<int:task_id>/reassign/", tasks.Reassign.as_view(), name="reassign"),
    path("tasks/<int:task_id>/return/", tasks.ReturnDelegation.as_view(), name="return"),
    path("tasks/<int:task_id>/add-approver/", tasks.AddApprover.as_view(), name="add-approver"),
]

urlpatterns = [
    *[path(f"v1/{p.pattern}", p.callback, name=p.name) for p in v1],
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
