from django.contrib.auth import views as auth_views
from django.urls import path

from .views import (
    chart,
    customer_list,
    customer_pages,
    customers,
    dashboard,
    dashboard_export,
    document_verify,  # a printed document's QR code: is the paper genuine and current
    dunning_panel,
    exports_list,  # my past exports, run again (views/exports_list.py)
    front_desk,
    imports,  # spreadsheets in and out
    inbox,
    lookups,
    members,  # a project's members and roles (project admins)
    notification_settings,  # my channels per kind, quiet hours, language of email
    notifications,  # the bell's list (views/notifications.py)
    protection,
    receivables_due,
    record_documents,
    record_list,
    records,
    rules,
    start,
    studio,
    studio_documents,
    studio_editor,  # the structured editor: a flow changed with forms, over the same overrides
    studio_migrate,  # moving running records to the published version
    units,
)

app_name = "web"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="web:login"), name="logout"),
    # the inbox, its bulk and row actions and saved filters (views/inbox.py)
    path("", inbox.inbox_page, name="inbox"),
    path("tasks/claim/", inbox.claim_tasks, name="claim"),
    path("tasks/approve/", inbox.approve_tasks, name="approve-tasks"),
    path("tasks/unclaim/", inbox.unclaim_task, name="unclaim"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/unread/", notifications.unread_count, name="notifications-unread"),
    path("notifications/settings/", notification_settings.notification_settings, name="notification-settings"),
    path("notifications/read-all/", notifications.mark_all_read, name="notifications-read-all"),
    path("notifications/<int:notification_id>/read/", notifications.mark_read, name="notification-read"),
    path("inbox/filters/", inbox.save_filter, name="inbox-filter-save"),
    path("inbox/filters/<int:filter_id>/delete/", inbox.delete_filter, name="inbox-filter-delete"),
    # a record's page, its steps and its tasks' actions (views/record_page.py, views/task_actions.py)
    path("records/<int:record_id>/", records.record_page, name="record"),
    path("records/<int:record_id>/fire/<slug:transition>/", records.fire_transition, name="fire"),
    path("records/<int:record_id>/send-back/", records.send_back, name="send-back"),
    path("records/<int:record_id>/withdraw/", records.withdraw, name="withdraw"),
    # a record's printed documents (views/record_documents.py)
    path("records/<int:record_id>/documents/<slug:name>/", record_documents.document_preview, name="document-preview"),
    path("records/<int:record_id>/documents/<slug:name>/issue/", record_documents.document_issue,
         name="document-issue"),
    path("documents/<int:document_id>/", record_documents.issued_document, name="issued-document"),
    # what a printed document's QR code opens, for anyone holding the paper (views/document_verify.py)
    path("documents/verify/<slug:token>/", document_verify.verify_document, name="document-verify"),
    path("tasks/<int:task_id>/vote/", records.vote, name="vote"),
    path("tasks/<int:task_id>/<slug:action>/", records.task_action, name="task-action"),
    # a project's records lists, sale-control chart and unit cards
    path("projects/<slug:project>/records/", record_list.record_list, name="record-list"),
    path("projects/<slug:project>/records/<slug:flow>/", record_list.record_list, name="record-list-flow"),
    path("projects/<slug:project>/chart/", chart.chart_page, name="chart"),
    path("projects/<slug:project>/chart/data/", chart.chart_data, name="chart-data"),
    path("projects/<slug:project>/units/<int:unit_id>/", units.unit_card, name="unit"),
    # starting a record, and the form pickers' searches (views/start.py, views/lookups.py)
    path("start/", start.start_list, name="start-list"),
    path("start/<slug:project>/<slug:flow>/", start.start_record, name="start"),
    path("lookups/<slug:project>/units/", lookups.unit_lookup, name="lookup-units"),
    path("lookups/<slug:project>/customers/", lookups.customer_lookup, name="lookup-customers"),
    path("customers/<int:customer_id>/", customers.customer_page, name="customer"),
    # the customer base for staff: a project's customer list, my customers, the follow-up form (views/customer_list.py)
    path("projects/<slug:project>/customers/", customer_list.customer_list, name="customer-list"),
    path("customers/mine/", customer_list.my_customers, name="my-customers"),
    path("projects/<slug:project>/customers/<int:customer_id>/follow-up/", customer_list.follow_up, name="follow-up"),
    # a manager reassigns a customer's protection to another consultant, with a reason (views/protection.py)
    path("projects/<slug:project>/customers/<int:customer_id>/reassign/", protection.customer_reassign,
         name="customer-reassign"),
    # the customer 360 page's other pages: edit details, change approvals, merge a duplicate, relations
    # (views/customer_pages.py; the page itself is `customer` above)
    path("customers/<int:customer_id>/edit/", customer_pages.customer_edit, name="customer-edit"),
    path("projects/<slug:project>/customer-changes/", customer_pages.customer_changes, name="customer-changes"),
    path("customers/<int:customer_id>/merge/", customer_pages.customer_merge, name="customer-merge"),
    path("customers/<int:customer_id>/relations/", customer_pages.customer_relations, name="customer-relations"),
    # the front desk: visits and calls, the phone lookup as it is typed, campaigns (views/front_desk.py)
    path("projects/<slug:project>/front-desk/", front_desk.front_desk, name="front-desk"),
    path("projects/<slug:project>/front-desk/lookup/", front_desk.front_desk_lookup, name="front-desk-lookup"),
    path("projects/<slug:project>/visits/", front_desk.visit_list, name="visit-list"),
    path("projects/<slug:project>/campaigns/", front_desk.campaign_list, name="campaigns"),
    path("projects/<slug:project>/campaigns/new/", front_desk.campaign_edit, name="campaign-new"),
    path("projects/<slug:project>/campaigns/<int:campaign_id>/", front_desk.campaign_edit, name="campaign-edit"),
    # 应收欠款: the deals that still owe, its .xlsx export; dismissing a payment reminder (views/receivables_due.py,
    # views/dunning_panel.py)
    path("projects/<slug:project>/receivables/", receivables_due.receivables_due, name="receivables-due"),
    path("projects/<slug:project>/receivables/export/", receivables_due.receivables_export,
         name="receivables-export"),
    path("dunning/<int:notice_id>/dismiss/", dunning_panel.dismiss_notice, name="dunning-dismiss"),
    # 驾驶舱: the project's, the group's and a consultant's own figures, their .xlsx (views/dashboard*.py)
    path("figures/", dashboard.dashboard_index, name="dashboards"),
    path("projects/<slug:project>/dashboard/", dashboard.project_dashboard, name="dashboard"),
    path("projects/<slug:project>/dashboard/export/", dashboard_export.project_export, name="dashboard-export"),
    path("groups/<slug:company>/dashboard/", dashboard.group_dashboard, name="group-dashboard"),
    path("groups/<slug:company>/dashboard/export/", dashboard_export.group_export, name="group-dashboard-export"),
    # spreadsheets in and out: uploads and their jobs, templates, list exports (views/imports.py)
    path("projects/<slug:project>/imports/", imports.import_page, name="imports"),
    path("projects/<slug:project>/imports/<int:job_id>/", imports.job_page, name="import-job"),
    path("projects/<slug:project>/imports/<int:job_id>/progress/", imports.job_progress, name="import-job-progress"),
    path("projects/<slug:project>/imports/<int:job_id>/again/", imports.job_again, name="import-again"),
    path("projects/<slug:project>/imports/<int:job_id>/problems/", imports.job_problems, name="import-problems"),
    path("projects/<slug:project>/imports/templates/<slug:kind>/", imports.template_download, name="import-template"),
    path("projects/<slug:project>/export/<slug:kind>.<slug:ext>", imports.export_list, name="export"),
    path("projects/<slug:project>/records/<slug:flow>/export.<slug:ext>", imports.record_list_export,
         name="record-list-export"),
    path("inbox/export.<slug:ext>", imports.inbox_export, name="inbox-export"),
    path("exports/", exports_list.my_exports, name="my-exports"),  # the user's past exports (views/exports_list.py)
    path("exports/<int:job_id>/again/", exports_list.export_again, name="export-again"),
    path("exports/<int:job_id>/", imports.export_job_page, name="export-job"),
    path("exports/<int:job_id>/progress/", imports.export_job_progress, name="export-job-progress"),
    path("exports/<int:job_id>/file/", imports.export_job_file, name="export-job-file"),
    # the flow studio and plugin rules (project admins)
    path("studio/<slug:project>/", studio.studio, name="studio"),
    path("studio/<slug:project>/rules/<slug:plugin>/", rules.rules_page, name="rules"),
    path("studio/<slug:project>/members/", members.members_page, name="members"),
    path("lookups/<slug:project>/users/", members.member_lookup, name="lookup-users"),
    path("invitation/<str:uidb64>/<str:token>/", members.accept_invitation, name="accept-invitation"),
    # the project's printed documents (views/studio_documents.py), before the flows' catch-all below
    path("studio/<slug:project>/documents/", studio_documents.documents_page, name="studio-documents"),
    path("studio/<slug:project>/documents/new/", studio_documents.new_document, name="studio-document-new"),
    path("studio/<slug:project>/documents/<slug:name>/", studio_documents.document_page, name="studio-document"),
    path("studio/<slug:project>/<slug:flow>/", studio.studio_flow, name="studio-flow"),
    path("studio/<slug:project>/<slug:flow>/edit/", studio_editor.editor, name="studio-editor"),
    path("studio/<slug:project>/<slug:flow>/publish/", studio.publish, name="studio-publish"),
    path("studio/<slug:project>/<slug:flow>/rollback/<int:number>/", studio.rollback, name="studio-rollback"),
    path("studio/<slug:project>/<slug:flow>/migrate/", studio_migrate.migrate_page, name="studio-migrate"),
    path("studio/<slug:project>/<slug:flow>/migrate/<int:job_id>/", studio_migrate.migration_job_page,
         name="studio-migration-job"),
]
