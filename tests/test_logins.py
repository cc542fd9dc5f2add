"""Sign-in throttling, lockout, unlock by an office and the history both sides see; API
tokens that expire and can be revoked (issue #17)."""

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from dangke.accounts import logins
from dangke.accounts.models import ApiToken, LoginAttempt, LoginOutcome
from dangke.core.models import AuditEntry
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


def sign_in(client, username, password, address="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_thirty_wrong_passwords_lock_the_account_with_the_wait(client, world):
    for _ in range(30):
        response = sign_in(client, "county-a", "wrong")
        assert response.status_code == 200
    response = sign_in(client, "county-a", PASSWORD)
    assert response.status_code == 200, "the right password must not get through a lock"
    page = response.content.decode()
    assert "该账号已暂时锁定，请 15 分钟后再试" in page
    assert "_auth_user_id" not in client.session
    outcomes = list(
        LoginAttempt.objects.filter(username="county-a").values_list("outcome", flat=True)
    )
    assert outcomes.count(LoginOutcome.FAILED) == logins.ACCOUNT_FAILURE_LIMIT
    assert outcomes.count(LoginOutcome.REFUSED) == 31 - logins.ACCOUNT_FAILURE_LIMIT
    assert LoginOutcome.SUCCEEDED not in outcomes
    # Another account from another machine is not affected.
    assert sign_in(client, "county-b", PASSWORD, address="10.0.0.8").status_code == 302


def test_the_lock_ends_after_its_minutes(client, world):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(logins.ACCOUNT_FAILURE_LIMIT):
            sign_in(client, "county-a", "wrong")
        assert "请 15 分钟后再试" in sign_in(client, "county-a", PASSWORD).content.decode()
    with time_machine.travel(start + timedelta(minutes=9), tick=False):
        assert "请 6 分钟后再试" in sign_in(client, "county-a", PASSWORD).content.decode()
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert sign_in(client, "county-a", PASSWORD).status_code == 302


def test_one_address_guessing_many_accounts_is_stopped(client, world):
    for index in range(logins.ADDRESS_FAILURE_LIMIT):
        sign_in(client, f"guess{index}", "wrong", address="10.9.9.9")
    page = sign_in(client, "county-a", PASSWORD, address="10.9.9.9").content.decode()
    assert "本机登录失败次数过多，已暂时禁止登录，请 15 分钟后再试" in page
    assert sign_in(client, "county-a", PASSWORD, address="10.0.0.1").status_code == 302


def test_an_office_unlocks_its_county_only_and_it_is_audited(client, world):
    for _ in range(logins.ACCOUNT_FAILURE_LIMIT):
        sign_in(client, "teacher", "wrong")
    client.force_login(world.county_b_admin)
    page = client.get(reverse("accounts:login_history")).content.decode()
    assert "teacher" not in page, "county-b must not see county-a's accounts"
    client.post(reverse("accounts:login_history"), {"username": "teacher"})
    assert logins.current_lock("teacher", None) is not None

    client.force_login(world.county_a_admin)
    page = client.get(reverse("accounts:login_history")).content.decode()
    assert "被锁定的账号" in page and "teacher" in page and "15 分钟" in page
    response = client.post(reverse("accounts:login_history"), {"username": "teacher"})
    assert response.status_code == 302
    assert logins.current_lock("teacher", None) is None
    entry = AuditEntry.objects.get(action="unlock")
    assert entry.actor == world.county_a_admin and "teacher" in entry.reason
    client.logout()
    assert sign_in(client, "teacher", PASSWORD).status_code == 302


def test_a_teacher_cannot_open_the_office_view(client, world):
    client.force_login(world.teacher_user)
    assert client.get(reverse("accounts:login_history")).status_code == 403


def test_a_user_sees_their_own_history(client, world):
    sign_in(client, "county-a", "wrong", address="10.1.2.3")
    sign_in(client, "county-a", PASSWORD, address="10.1.2.3")
    sign_in(client, "county-b", "wrong", address="10.3.3.3")
    page = client.get(reverse("accounts:security")).content.decode()
    assert page.count("10.1.2.3") == 2 and "密码错误" in page and "登录成功" in page
    assert "10.3.3.3" not in page


def test_tokens_expire_and_can_be_revoked_from_the_page(client, world):
    client.force_login(world.county_a_admin)
    response = client.post(
        reverse("accounts:security"), {"action": "issue", "name": "报表", "days": "30"}
    )
    key = response.context["new_token"]
    token = ApiToken.objects.get(user=world.county_a_admin)
    assert token.name == "报表"
    assert (token.expires_at - timezone.now()).days in (29, 30)
    api = client.__class__()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert api.get("/api/v1/me", **bearer).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert api.get("/api/v1/me", **bearer).status_code == 401
    client.post(reverse("accounts:security"), {"action": "revoke", "token": str(token.pk)})
    assert api.get("/api/v1/me", **bearer).status_code == 401
    assert "已吊销" in client.get(reverse("accounts:security")).content.decode()
    # Another user's token cannot be revoked through this page.
    other = ApiToken.issue(world.county_b_admin)
    other_token = ApiToken.objects.get(key_hash=ApiToken.hash_key(other))
    response = client.post(
        reverse("accounts:security"), {"action": "revoke", "token": str(other_token.pk)}
    )
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=other_token.pk).revoked_at is None
