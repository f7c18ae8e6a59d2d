"""The bell's pages: the list (newest first, in the reader's language), mark as read, the unread number."""
import pytest
from django.urls import reverse

from notifications.models import Kind, Notification


@pytest.fixture
def mine(people):
    user = people["fin"]
    made = [Notification.objects.create(recipient=user, kind=Kind.TASK_OFFERED, event_key=f"task:{i}:offered",
                                        project=people["p1"], link="/records/1/",
                                        params={"reference": f"DSC-{i:06d}", "task_en": "Countersign",
                                                "task_zh": "会签"})
            for i in range(3)]
    Notification.objects.create(recipient=people["fin2"], kind=Kind.SENT_BACK, event_key="history:1",
                                project=people["p1"], params={"reference": "DSC-000009", "comment": "x"})
    return user, made


def test_the_list_is_mine_newest_first_in_english_and_chinese(client, mine):
    user, made = mine
    client.force_login(user)

    en = client.get(reverse("web:notifications"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert en.index("DSC-000002") < en.index("DSC-000001") < en.index("DSC-000000")
    assert "“Countersign” of DSC-000002 is waiting for your role" in en
    assert "DSC-000009" not in en  # someone else's
    assert "task_offered" not in en

    zh = client.get(reverse("web:notifications"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "DSC-000002 的任务「会签」等待您的角色处理" in zh
    assert "北京时间" in zh  # the time labelled with its zone


def test_each_line_names_its_project_by_name_not_code(client, mine):
    # given notifications of project P1, "Project one"
    user, _made = mine
    client.force_login(user)

    # when the list is read
    page = client.get(reverse("web:notifications"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # then each line's secondary words name the project, never its code
    assert page.count('<small class="muted">Project one · ') == 3
    assert "P1 · " not in page


def test_the_list_takes_the_same_queries_for_3_or_30(client, mine, people, django_assert_max_num_queries):
    user, _ = mine
    client.force_login(user)
    client.get(reverse("web:notifications"))
    with django_assert_max_num_queries(6):
        client.get(reverse("web:notifications"))
    for i in range(3, 30):
        Notification.objects.create(recipient=user, kind=Kind.TASK_OFFERED, event_key=f"task:{i}:offered",
                                    project=people["p1"], params={"reference": f"DSC-{i:06d}"})
    with django_assert_max_num_queries(6):
        response = client.get(reverse("web:notifications"))
    assert response.content.decode().count("data-notification=") == 30


def test_the_unread_number_and_marking_read(client, mine):
    user, made = mine
    client.force_login(user)
    assert client.get(reverse("web:notifications-unread")).json() == {"unread": 3}

    response = client.post(reverse("web:notification-read", args=[made[0].pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/records/1/"
    assert client.get(reverse("web:notifications-unread")).json() == {"unread": 2}

    client.post(reverse("web:notifications-read-all"))
    assert client.get(reverse("web:notifications-unread")).json() == {"unread": 0}
    assert Notification.objects.get(event_key="history:1").read_at is None  # not mine: untouched


def test_nobody_marks_someone_elses_notification(client, mine, people):
    client.force_login(people["fin2"])
    user, made = mine
    client.post(reverse("web:notification-read", args=[made[0].pk]))
    made[0].refresh_from_db()
    assert made[0].read_at is None


def test_the_header_has_the_bell(client, mine):
    user, _ = mine
    client.force_login(user)
    page = client.get(reverse("web:inbox"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-bell' in page and reverse("web:notifications") in page


def test_the_delivery_log_is_in_the_admin(client, mine, django_user_model):
    from notifications.models import Delivery

    user, made = mine
    Delivery.objects.create(notification=made[0], channel="email", status=Delivery.Status.FAILED, attempts=2,
                            last_error="SMTPConnectError: refused")
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    assert client.get(reverse("admin:notifications_delivery_changelist")).status_code == 200
    page = client.get(reverse("admin:notifications_notification_change", args=[made[0].pk])).content.decode()
    assert "SMTPConnectError: refused" in page
