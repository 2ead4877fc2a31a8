"""Error pages with DEBUG off: the site's layout, in Chinese, a way back, the right status; JSON under /api/."""

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from gendan.core.views_errors import server_error

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.error_pages.urls"


@pytest.fixture
def rep(personas):
    client = Client(raise_request_exception=False)
    client.force_login(personas["rep1"])
    return client


def page(response) -> str:
    return response.content.decode()


def assert_layout_with_way_back(html: str):
    assert 'data-testid="error-page"' in html
    assert "gendan/gendan.css" in html and "bootstrap.min.css" in html
    assert 'href="/" data-testid="error-home"' in html
    assert 'data-testid="error-back"' in html


def test_a_missing_page_is_a_chinese_404_in_the_layout_with_the_navigation(rep):
    response = rep.get("/no-such-page/", HTTP_REFERER="http://testserver/orders/", **CHINESE)

    html = page(response)
    assert response.status_code == 404
    assert "页面不存在" in html and "返回上一页" in html and "回到首页" in html
    assert_layout_with_way_back(html)
    assert "navbar" in html and 'id="sidebar"' in html  # the signed-in layout, navigation and all
    assert 'href="http://testserver/orders/" data-history-back' in html


def test_the_back_link_never_leads_to_another_site(rep):
    html = page(rep.get("/no-such-page/", HTTP_REFERER="https://evil.example/phish", **CHINESE))

    assert "evil.example" not in html
    assert 'href="/" data-history-back' in html


def test_a_missing_page_for_someone_not_logged_in_has_the_layout_too(client):
    response = client.get("/no-such-page/", **CHINESE)

    assert response.status_code == 404
    assert "页面不存在" in page(response)
    assert_layout_with_way_back(page(response))


def test_a_refused_page_is_a_chinese_403(rep):
    response = rep.get("/test-errors/403/", **CHINESE)

    assert response.status_code == 403
    assert "没有权限" in page(response)
    assert_layout_with_way_back(page(response))


def test_a_bad_request_is_a_chinese_400(rep):
    response = rep.get("/test-errors/400/", **CHINESE)

    assert response.status_code == 400
    assert "请求有误" in page(response)
    assert_layout_with_way_back(page(response))


def test_a_server_error_is_a_chinese_500(rep):
    response = rep.get("/test-errors/500/", **CHINESE)

    html = page(response)
    assert response.status_code == 500
    assert "服务器出错了" in html
    assert_layout_with_way_back(html)


def test_the_500_page_needs_no_database_no_user_and_no_context_processors(django_assert_num_queries):
    bare_request = RequestFactory().get("/orders/1/")  # no session, no user, no middleware

    with django_assert_num_queries(0), translation.override("zh-hans"):
        response = server_error(bare_request)

    assert response.status_code == 500
    assert "服务器出错了" in page(response)


def test_an_expired_form_is_a_chinese_403_that_says_so(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["rep1"])

    response = client.post("/customers/new/", {"name": "x"}, **CHINESE)

    assert response.status_code == 403
    assert "表单已过期" in page(response)
    assert_layout_with_way_back(page(response))


def test_an_api_404_stays_json(rep):
    response = rep.get("/api/v1/no-such-resource/", **CHINESE)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_an_api_500_stays_json(rep):
    response = rep.get("/api/test-errors/500/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"


def test_the_lock_out_page_says_for_how_long(client, personas, settings):
    settings.AXES_COOLOFF_TIME = 0.25  # hours
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/login/", {"username": "rep1", "password": "wrong"}, REMOTE_ADDR="10.9.9.9", **CHINESE)

    assert response.status_code == 429
    assert "锁定 15 分钟" in page(response)
    assert 'data-testid="back-to-login"' in page(response)
