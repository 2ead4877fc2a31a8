"""Comments and files through the API and on the pages: scoped by the record, field-keyed refusals, bounded queries."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gendan.automation import services_comments as services
from gendan.automation.models import Attachment, Comment, Notification
from gendan.crm.services_pipeline import opportunity_create
from gendan.finance.services import invoice_create
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.models import QuotationStatus
from gendan.sales.services import order_submit
from gendan.sales.tests.quotation_helpers import quotation_at
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def order(personas):
    _warehouse, products = stocked_products(1)
    return draft_order(personas["rep1"], products)


def png(name="photo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 30)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def on(order) -> dict:
    return {"object_type": "order", "object_id": order.pk}


# --- API ---------------------------------------------------------------------------------------


def test_a_rep_posts_and_reads_comments_on_their_order(personas, order):
    api = api_as(personas["rep1"])
    created = api.post("/api/v1/comments/", {**on(order), "body": "@follower1 交期?"}, format="json")
    assert created.status_code == 201, created.data
    assert created.data["mentions"] == ["follower1"]
    assert created.data["author"] == "rep1"
    listed = api.get("/api/v1/comments/", on(order))
    assert [c["body"] for c in listed.data["results"]] == ["@follower1 交期?"]
    assert Notification.objects.filter(recipient=personas["follower1"]).count() == 1


def test_another_teams_rep_can_neither_read_nor_post(personas, order):
    services.comment_create(actor=personas["rep1"], record=order, body="内部")
    api = api_as(personas["rep3"])
    assert api.get("/api/v1/comments/", on(order)).status_code == 404
    assert api.get(f"/api/v1/comments/{Comment.objects.get().pk}/").status_code == 404
    refused = api.post("/api/v1/comments/", {**on(order), "body": "看看"}, format="json")
    assert refused.status_code == 404
    assert Comment.objects.count() == 1


def test_a_list_must_name_its_record(personas, order):
    api = api_as(personas["rep1"])
    bare = api.get("/api/v1/comments/")
    assert bare.status_code == 400 and set(bare.data) == {"object_type", "object_id"}
    unknown = api.get("/api/v1/attachments/", {"object_type": "ticket", "object_id": 1})
    assert unknown.status_code == 400 and list(unknown.data) == ["object_type"]


def test_a_mention_of_someone_out_of_sight_is_a_field_error(personas, order):
    refused = api_as(personas["rep1"]).post("/api/v1/comments/", {**on(order), "body": "@rep3 ?"}, format="json")
    assert refused.status_code == 400 and list(refused.data) == ["body"]


def test_edit_and_remove_through_the_api(personas, order):
    api = api_as(personas["rep1"])
    pk = api.post("/api/v1/comments/", {**on(order), "body": "v1"}, format="json").data["id"]
    edited = api.patch(f"/api/v1/comments/{pk}/", {"body": "v2"}, format="json")
    assert edited.status_code == 200 and edited.data["edited_at"] is not None
    assert api_as(personas["follower1"]).delete(f"/api/v1/comments/{pk}/").status_code == 403
    assert api.delete(f"/api/v1/comments/{pk}/").status_code == 204
    assert api.get(f"/api/v1/comments/{pk}/").data["removed"] is True


def test_a_file_uploaded_through_the_api_downloads_with_its_name(personas, order):
    api = api_as(personas["rep1"])
    created = api.post("/api/v1/attachments/", {**on(order), "file": png("现场.png")}, format="multipart")
    assert created.status_code == 201, created.data
    assert (created.data["name"], created.data["content_type"]) == ("现场.png", "image/png")
    download = api.get(created.data["url"])
    assert download.status_code == 200
    assert "filename*=utf-8''%E7%8E%B0%E5%9C%BA.png" in download["Content-Disposition"]
    assert api_as(personas["rep3"]).get(created.data["url"]).status_code == 404
    assert api.delete(f"/api/v1/attachments/{created.data['id']}/").status_code == 204
    assert api.get("/api/v1/attachments/", on(order)).data["results"] == []


def test_a_fake_pdf_is_refused_by_the_api(personas, order):
    fake = SimpleUploadedFile("a.pdf", b"not a pdf at all", content_type="application/pdf")
    refused = api_as(personas["rep1"]).post("/api/v1/attachments/", {**on(order), "file": fake}, format="multipart")
    assert refused.status_code == 400 and list(refused.data) == ["file"]
    assert Attachment.objects.count() == 0


def test_the_api_lists_take_the_same_queries_for_one_comment_or_many(personas, order, django_assert_num_queries):
    rep = personas["rep1"]
    api = api_as(rep)
    services.comment_create(actor=rep, record=order, body="@follower1 one")
    services.attachment_add(actor=rep, record=order, upload=png())
    api.get("/api/v1/comments/", on(order))  # warms the content types' cache
    # The token, the reader's permissions (2), the order in scope, the count, the page, its mentions.
    with django_assert_num_queries(7):
        api.get("/api/v1/comments/", on(order))
    with django_assert_num_queries(6):
        api.get("/api/v1/attachments/", on(order))
    for index in range(5):
        services.comment_create(actor=rep, record=order, body=f"@follower1 @manager1 {index}")
        services.attachment_add(actor=rep, record=order, upload=png())
    # The token, the reader's permissions (2), the order in scope, the count, the page, its mentions.
    with django_assert_num_queries(7):
        api.get("/api/v1/comments/", on(order))
    with django_assert_num_queries(6):
        api.get("/api/v1/attachments/", on(order))


# --- pages -------------------------------------------------------------------------------------


def test_the_order_page_loads_its_comments_panel_after_the_page(personas, order, client):
    client.force_login(personas["rep1"])
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert f'hx-get="/records/order/{order.pk}/comments/"' in page


def test_the_deal_quotation_and_invoice_pages_carry_the_panel(personas, order, client):
    # given: Alice's deal, quotation and invoice
    rep = personas["rep1"]
    deal = opportunity_create(customer=order.customer, actor=rep, name="年度采购")
    quotation = quotation_at(QuotationStatus.DRAFT, personas)
    shipment = shipment_create(order=order_submit(order=order, actor=rep), actor=personas["warehouse1"])
    shipment_ship(shipment=shipment, actor=personas["warehouse1"], **COURIER)
    invoice = invoice_create(order=order, actor=personas["finance1"])
    client.force_login(personas["admin"])
    # then: each page asks for its own record's comments
    for page, panel in [
        (f"/customers/opportunities/{deal.pk}/", f"/records/opportunity/{deal.pk}/comments/"),
        (f"/quotations/{quotation.pk}/", f"/records/quotation/{quotation.pk}/comments/"),
        (f"/finance/invoices/{invoice.pk}/", f"/records/invoice/{invoice.pk}/comments/"),
        (f"/customers/{order.customer_id}/", f"/records/customer/{order.customer_id}/comments/"),
    ]:
        response = client.get(page)
        assert response.status_code == 200, page
        assert f'hx-get="{panel}"' in response.content.decode(), page


def test_the_panel_adds_a_comment_and_shows_it(personas, order, client):
    client.force_login(personas["rep1"])
    url = f"/records/order/{order.pk}/comments/"
    response = client.post(url, {"body": "@follower1 请跟进"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="comment"' in html and 'class="mention"' in html
    assert Comment.objects.get().mentions.get() == personas["follower1"]


def test_the_panel_shows_a_field_message_for_a_mention_out_of_sight(personas, order, client):
    client.force_login(personas["rep1"])
    response = client.post(f"/records/order/{order.pk}/comments/", {"body": "@rep3 ?"})
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert Comment.objects.count() == 0


def test_the_panel_and_files_of_an_order_out_of_sight_are_not_found(personas, order, client):
    attachment = services.attachment_add(actor=personas["rep1"], record=order, upload=png())
    client.force_login(personas["rep3"])
    assert client.get(f"/records/order/{order.pk}/comments/").status_code == 404
    assert client.post(f"/records/order/{order.pk}/comments/", {"body": "hi"}).status_code == 404
    assert client.get(f"/files/{attachment.pk}/").status_code == 404
    assert client.get(f"/files/{attachment.pk}/thumbnail/").status_code == 404
    assert client.get("/records/ticket/1/comments/").status_code == 404
    assert Comment.objects.count() == 0


def test_the_panel_takes_the_same_queries_whatever_the_number_of_comments(
    personas, order, client, django_assert_num_queries
):
    rep = personas["rep1"]
    client.force_login(rep)
    url = f"/records/order/{order.pk}/comments/"
    services.comment_create(actor=rep, record=order, body="@follower1 one")
    services.attachment_add(actor=rep, record=order, upload=png())
    client.get(url, headers={"HX-Request": "true"})
    # The session, the user, their permissions (2), the order in scope, the comments, their mentions, the files.
    with django_assert_num_queries(8):
        client.get(url, headers={"HX-Request": "true"})
    for index in range(25):
        services.comment_create(actor=rep, record=order, body=f"@follower1 @manager1 {index}")
    with django_assert_num_queries(8):
        html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert html.count('data-testid="comment"') == 20
    assert 'data-testid="older-comments"' in html


def test_the_author_edits_on_the_page_and_the_comment_shows_edited(personas, order, client):
    comment = services.comment_create(actor=personas["rep1"], record=order, body="v1")
    client.force_login(personas["rep1"])
    url = f"/comments/{comment.pk}/edit/"
    assert 'name="body"' in client.get(url, headers={"HX-Request": "true"}).content.decode()
    row = client.post(url, {"body": "v2 @follower1"}, headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="comment-edited"' in row and 'class="mention"' in row
    # someone else, even seeing the order, has no edit form to open
    client.force_login(personas["follower1"])
    assert client.get(url).status_code == 404
    comment.refresh_from_db()
    assert comment.body == "v2 @follower1"


def test_removing_on_the_page_leaves_comment_removed(personas, order, client):
    comment = services.comment_create(actor=personas["rep1"], record=order, body="说错了")
    client.force_login(personas["rep1"])
    response = client.post(f"/comments/{comment.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/#comments"
    html = client.get(f"/records/order/{order.pk}/comments/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="comment-removed"' in html and "说错了" not in html
