"""On an order page, on a phone, in Chinese: a comment mentioning a teammate picked from the suggestions, then a photo."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from gendan.automation.models import Attachment, Comment, Notification
from tests.backbone import draft_order, stocked_products

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_comment_with_a_mention_and_a_photo_on_an_order(live_server, personas, new_page, shot, settings, tmp_path):
    # given: Alice's order, and her team leader 王芳
    settings.MEDIA_ROOT = tmp_path
    leader = personas["follower1"]
    leader.first_name, leader.last_name = "王", "芳"
    leader.save()
    _warehouse, products = stocked_products(1)
    order = draft_order(personas["rep1"], products)
    photo = tmp_path / "现场照片.png"
    Image.new("RGB", (600, 400), (30, 90, 200)).save(photo, "PNG")
    page = new_page(width=375, height=800, csp=True)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: "Content Security Policy" in message.text and errors.append(message.text))
    log_in(page, live_server.url, "rep1", "pw-rep1")

    # when: she types "@王" and picks the suggestion, then posts
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    box = page.locator("[data-testid=comment-form] textarea")
    box.click()
    box.press_sequentially("请 @王")
    suggestion = page.locator("[data-testid=mention-menu] button", has_text="王 芳")
    expect(suggestion).to_be_visible()
    shot(page, "suggestions")
    suggestion.dispatch_event("mousedown")
    expect(box).to_have_value("请 @王芳 ")
    box.press_sequentially("确认交期")
    page.click("[data-testid=comment-submit]")

    # then: the comment shows with the mention, and 王芳 has a notice
    expect(page.locator("[data-testid=comment]")).to_have_count(1)
    expect(page.locator("[data-testid=comment] .mention")).to_have_text("@王 芳")
    assert Comment.objects.get().mentions.get() == leader
    assert Notification.objects.filter(recipient=leader, kind="comment.mentioned").count() == 1

    # when: she attaches a photo
    page.set_input_files("[data-testid=attachment-form] input[type=file]", str(photo))
    page.click("[data-testid=attachment-submit]")

    # then: it is listed with a thumbnail served through the scoped view
    thumbnail = page.locator("[data-testid=attachment-thumbnail]")
    expect(thumbnail).to_be_visible()
    # Visible as soon as it is in the page: the picture itself arrives by its own request.
    page.wait_for_function(
        "() => { const image = document.querySelector('[data-testid=attachment-thumbnail]');"
        " return image.complete && image.naturalWidth > 0; }"
    )
    expect(page.locator("[data-testid=attachment-download]")).to_have_text("现场照片.png")
    assert Attachment.objects.get().name == "现场照片.png"
    shot(page, "comment-and-photo")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert errors == []
