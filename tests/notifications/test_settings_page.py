"""The notification settings page (from /notifications/): per kind email and SMS beside the bell, quiet hours,
the language of email; in Chinese and English, errors at their field, saved as one change."""
from datetime import time

from django.urls import reverse

from notifications.models import Kind, Preference, RecipientSettings

URL = "/notifications/settings/"


def _defaults_posted(**extra) -> dict:
    # what the page posts when nothing is changed: the defaults ticked
    from notifications.preferences import EXTRA_CHANNELS

    data = {f"{channel}__{kind}": "on" for kind, channels in EXTRA_CHANNELS.items() for channel in channels}
    data.update({"quiet_from": "", "quiet_until": "", "language": ""})
    data.update(extra)
    return data


def test_the_list_links_to_the_settings(client, people):
    client.force_login(people["fin"])
    page = client.get(reverse("web:notifications"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{URL}"' in page and "Notification settings" in page
    assert reverse("web:notification-settings") == URL


def test_the_page_in_english_and_chinese_shows_the_defaults(client, people):
    client.force_login(people["fin"])
    en = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert en.status_code == 200
    page = en.content.decode()
    assert "Task assigned to me" in page and "Task escalated to me" in page and "My record sent back" in page
    assert "Quiet hours" in page and "SMS / WeChat" in page
    assert 'name="email__task_assigned" checked' in page.replace(' id="id_email__task_assigned"', "")
    assert 'name="email__task_offered" id' in page  # offered to a whole role: no email by default
    assert "Beijing" not in page and "Asia/Shanghai (Project one)" in page  # the zone the hours are read in
    assert 'name="viewport" content="width=device-width' in page
    for code in ("task_assigned", "task_offered", "None"):
        assert f">{code}<" not in page

    zh = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "通知设置" in zh and "免打扰时段" in zh and "短信 / 微信" in zh
    assert "北京时间（Project one）" in zh
    assert "task assigned" not in zh.lower() and "Quiet hours" not in zh


def test_saving_stores_the_choices_and_says_so(client, people):
    user = people["fin"]
    client.force_login(user)
    data = _defaults_posted(**{"email__task_offered": "on", "quiet_from": "22:00", "quiet_until": "08:00",
                               "language": "en"})
    del data["sms__task_escalated"]
    response = client.post(URL, data, HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)

    assert response.redirect_chain == [(URL, 302)]
    assert "通知设置已保存" in response.content.decode()
    assert sorted(Preference.objects.filter(user=user).values_list("kind", "email", "sms")) == [
        (Kind.TASK_ESCALATED, True, False), (Kind.TASK_OFFERED, True, False)]
    mine = RecipientSettings.objects.get(user=user)
    assert (mine.quiet_from, mine.quiet_until, mine.language) == (time(22), time(8), "en")
    # shown again as saved
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="22:00"' in page and 'value="08:00"' in page
    assert 'name="sms__task_escalated" id="id_sms__task_escalated">' in page  # unticked


def test_half_given_or_empty_quiet_hours_are_refused_at_their_field_in_the_users_language(client, people):
    user = people["fin"]
    client.force_login(user)
    en = client.post(URL, _defaults_posted(quiet_from="22:00"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Give both the start and the end of your quiet hours, or leave both empty." in en
    zh = client.post(URL, _defaults_posted(quiet_from="22:00", quiet_until="22:00"),
                     HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "免打扰时段的开始和结束都是 22:00" in zh
    bad = client.post(URL, _defaults_posted(quiet_from="25:00", quiet_until="08:00"),
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "时间请写成 22:00 的形式" in bad
    assert not RecipientSettings.objects.filter(user=user).exists()  # nothing saved


def test_a_chinese_keyboards_colon_is_read(client, people):
    client.force_login(people["fin"])
    client.post(URL, _defaults_posted(quiet_from="22：30", quiet_until="7"))
    mine = RecipientSettings.objects.get(user=people["fin"])
    assert (mine.quiet_from, mine.quiet_until) == (time(22, 30), time(7))


def test_the_page_needs_a_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_admin_lists_the_choices_in_words(client, people, django_user_model):
    Preference.objects.create(user=people["fin"], kind=Kind.TASK_OFFERED, email=True, sms=False)
    RecipientSettings.objects.create(user=people["fin"], quiet_from=time(22), quiet_until=time(8), language="en")
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    page = client.get("/admin/notifications/preference/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "task offered to me" in page and ">task_offered<" not in page
    page = client.get("/admin/notifications/recipientsettings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "English" in page and "10 p.m." in page
