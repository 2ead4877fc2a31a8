"""Comments with @mentions and attached files on records: scope, notices, files judged by content, the timeline."""

import datetime
import io
from urllib.parse import quote

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from gendan.automation import services_comments as services
from gendan.automation.models import Attachment, Comment, Notification, NotificationKind
from gendan.core.errors import ApplicationError
from gendan.core.models import Event
from tests.backbone import draft_order, stocked_products
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def order(personas):
    _warehouse, products = stocked_products(1)
    return draft_order(personas["rep1"], products)


def png(name="photo.png", size=(40, 30)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf(name="报价单.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )


def events_of(record, verb):
    return Event.objects.filter(verb=verb, object_id=record.pk, content_type__model=record._meta.model_name)


# --- mentions ----------------------------------------------------------------------------------


def test_a_mention_tells_the_person_with_a_link_to_the_record(personas, order):
    # given: Alice's team leader can see her order
    leader = personas["follower1"]
    # when
    comment = services.comment_create(actor=personas["rep1"], record=order, body="@follower1 请催一下交期")
    # then
    assert list(comment.mentions.all()) == [leader]
    notice = Notification.objects.get(recipient=leader)
    assert notice.kind == NotificationKind.MENTIONED
    assert notice.url == f"/orders/{order.pk}/#comments"
    assert notice.body == "@follower1 请催一下交期"
    assert (notice.content_type.model, notice.object_id) == ("order", order.pk)


def test_a_person_is_mentioned_by_name_as_the_suggestions_write_it(personas, order):
    leader = personas["follower1"]
    leader.first_name, leader.last_name = "王", "芳"
    leader.save()
    comment = services.comment_create(actor=personas["rep1"], record=order, body="@王芳 看一下")
    assert list(comment.mentions.all()) == [leader]


def test_mentioning_oneself_or_nobody_known_tells_no_one(personas, order):
    comment = services.comment_create(actor=personas["rep1"], record=order, body="@rep1 记一下; mail a@b.com @nobody")
    assert list(comment.mentions.all()) == []
    assert Notification.objects.count() == 0


def test_mentioning_someone_who_cannot_see_the_record_is_refused_and_nothing_is_written(personas, order):
    # Carol sells in another team: she cannot see Alice's order
    with pytest.raises(ValidationError) as refused:
        services.comment_create(actor=personas["rep1"], record=order, body="@rep3 帮忙看看")
    assert "body" in refused.value.message_dict
    assert Comment.objects.count() == 0
    assert Notification.objects.count() == 0
    assert not events_of(order, "comment.added").exists()


def test_an_edit_tells_only_the_people_it_adds(personas, order):
    comment = services.comment_create(actor=personas["rep1"], record=order, body="@follower1 看一下")
    services.comment_edit(actor=personas["rep1"], comment=comment, record=order, body="@follower1 @manager1 看一下")
    comment.refresh_from_db()
    assert comment.edited_at is not None
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["follower1", "manager1"]


# --- scope and limits ----------------------------------------------------------------------------


def test_nobody_comments_on_a_record_out_of_sight(personas, order):
    with pytest.raises(ApplicationError):
        services.comment_create(actor=personas["rep3"], record=order, body="hello")
    assert Comment.objects.count() == 0


def test_the_author_edits_within_the_window_and_no_one_else_does(personas, order, settings):
    settings.COMMENT_EDIT_HOURS = 24
    comment = services.comment_create(actor=personas["rep1"], record=order, body="first")
    with pytest.raises(ApplicationError):
        services.comment_edit(actor=personas["follower1"], comment=comment, record=order, body="not mine")
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)), pytest.raises(ApplicationError):
        services.comment_edit(actor=personas["rep1"], comment=comment, record=order, body="too late")
    comment.refresh_from_db()
    assert comment.body == "first" and comment.edited_at is None


def test_an_administrator_removes_any_comment_which_stays_as_removed(personas, order):
    comment = services.comment_create(actor=personas["rep1"], record=order, body="秘密")
    with pytest.raises(ApplicationError):
        services.comment_remove(actor=personas["follower1"], comment=comment, record=order)
    services.comment_remove(actor=personas["admin"], comment=comment, record=order)
    comment.refresh_from_db()
    assert (comment.body, comment.removed_by) == ("", personas["admin"])
    assert events_of(order, "comment.removed").get().actor == personas["admin"]


def test_each_comment_and_file_is_an_event_on_the_records_timeline(personas, order):
    rep = personas["rep1"]
    comment = services.comment_create(actor=rep, record=order, body="hi")
    services.comment_edit(actor=rep, comment=comment, record=order, body="hi again")
    services.comment_remove(actor=rep, comment=comment, record=order)
    attachment = services.attachment_add(actor=rep, record=order, upload=pdf())
    services.attachment_remove(actor=rep, attachment=attachment, record=order)
    verbs = list(
        Event.objects.filter(content_type__model="order", object_id=order.pk, verb__contains="e")
        .exclude(verb__startswith="order.")
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == ["comment.added", "comment.edited", "comment.removed", "attachment.added", "attachment.removed"]


# --- files -------------------------------------------------------------------------------------


def test_an_image_is_stored_under_a_random_name_with_a_thumbnail(personas, order, media):
    attachment = services.attachment_add(actor=personas["rep1"], record=order, upload=png("现场 照片.png"))
    assert attachment.name == "现场 照片.png"
    assert attachment.content_type_name == "image/png"
    assert attachment.file.name.startswith("attachments/") and "照片" not in attachment.file.name
    assert (media / attachment.file.name).exists()
    with Image.open(media / attachment.thumbnail.name) as thumbnail:
        assert thumbnail.format == "JPEG"


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused(personas, order):
    fake = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00 this is an exe", content_type="application/pdf")
    with pytest.raises(ValidationError) as refused:
        services.attachment_add(actor=personas["rep1"], record=order, upload=fake)
    assert list(refused.value.message_dict) == ["file"]
    assert Attachment.objects.count() == 0


def test_a_file_over_the_limit_is_refused(personas, order, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as refused:
        services.attachment_add(actor=personas["rep1"], record=order, upload=png(size=(300, 300)))
    assert list(refused.value.message_dict) == ["file"]
    assert Attachment.objects.count() == 0


def test_names_lose_folders_and_control_characters_but_keep_chinese():
    assert services.clean_file_name("..\\..\\etc/报价\x00单\n.pdf") == "报价单.pdf"
    assert services.clean_file_name("../..") == "file"
    assert len(services.clean_file_name("长" * 300 + ".pdf")) == 200


def test_removing_a_file_deletes_it_once_committed(personas, order, media, django_capture_on_commit_callbacks):
    attachment = services.attachment_add(actor=personas["rep1"], record=order, upload=png())
    stored = media / attachment.file.name
    with pytest.raises(ApplicationError):
        services.attachment_remove(actor=personas["follower1"], attachment=attachment, record=order)
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(actor=personas["rep1"], attachment=attachment, record=order)
    assert not stored.exists()
    attachment.refresh_from_db()
    assert attachment.removed_at is not None and not attachment.file


def test_the_download_keeps_a_chinese_name(personas, order, client):
    attachment = services.attachment_add(actor=personas["rep1"], record=order, upload=pdf("报价单 v2.pdf"))
    client.force_login(personas["rep1"])
    response = client.get(f"/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('报价单 v2.pdf')}"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    inline = client.get(f"/files/{attachment.pk}/?inline=1")
    assert inline["Content-Disposition"].startswith("inline;")
    assert inline["Content-Type"] == "application/pdf"


def test_other_records_take_comments_too(personas):
    customer = customer_ready_to_order(personas["rep1"])
    services.comment_create(actor=personas["rep1"], record=customer, body="老客户")
    assert events_of(customer, "comment.added").count() == 1
