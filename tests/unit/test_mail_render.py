"""The mail templates and the MIME message built from them: what a reader sees in text and HTML, user text escaped,
the one-click unsubscribe headers; the SMTP settings."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError

from services.common.config import MailSettings
from services.notification.mail import MailRenderer, RenderedMail, build_message, stable_message_id

SENDER = "Coins for Change <no-reply@coins.local>"
HOSTILE = '<script>alert("x")</script> & co'
LINK = "https://coins.example/c/camp-1/ideas/idea-7?source=mail&kind=approved"
UNSUBSCRIBE = "https://coins.example/unsubscribe?token=abc&event=idea_approved"


@pytest.fixture(scope="module")
def renderer() -> MailRenderer:
    return MailRenderer()


def notification(**overrides: str) -> dict[str, str]:
    return {"recipient_name": "Ann", "title": "Your idea was approved", "body": "The managers liked it.",
            "campaign_title": "Greener Office", "link": LINK, "unsubscribe_url": UNSUBSCRIBE, **overrides}


def digest_item(title: str, campaign: str, label: str, link: str, unsubscribe: str) -> dict[str, str]:
    return {"title": title, "body": f"about {title}", "campaign_title": campaign, "link": link,
            "event_label": label, "unsubscribe_url": unsubscribe}


CONTEXTS = {
    "notification": notification(),
    "verification": {"recipient_name": "Ann", "link": "https://coins.example/verify-email?token=t1",
                     "expire_time": "27 November 2026, 18:00 UTC"},
    "invitation": {"campaign_title": "Greener Office", "role": "manager", "link": "https://coins.example/invitations/t2",
                   "expire_time": "9 December 2026", "inviter_name": "Bob"},
    "digest": {"recipient_name": "Ann", "period_label": "25 November 2026", "items": [
        digest_item("Idea approved", "Greener Office", "idea decisions", "https://coins.example/i/1", "https://u/1"),
        digest_item("Campaign starts", "Quiet Library", "campaign starts", "https://coins.example/c/2", "https://u/2"),
        digest_item("Idea rejected", "Greener Office", "idea decisions", "https://coins.example/i/3", "https://u/1"),
    ]},
}


@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_every_template_renders_a_subject_text_and_html(renderer, template):
    mail = renderer.render(template, CONTEXTS[template])
    assert mail.subject and "\n" not in mail.subject
    assert "Coins for Change" in mail.text and "<p" not in mail.text and "href" not in mail.text
    assert mail.html.lstrip().startswith("<!DOCTYPE html>") and "</html>" in mail.html
    assert f"<title>{mail.subject}</title>" in mail.html  # the shared layout, with the template's subject


def test_a_notification_shows_its_event_campaign_link_and_unsubscribe_line(renderer):
    mail = renderer.render("notification", notification())
    assert "Your idea was approved" in mail.subject and "Greener Office" in mail.subject
    for part in ("Hello Ann", "Your idea was approved", "The managers liked it.", "Greener Office", LINK, UNSUBSCRIBE):
        assert part in mail.text
    assert 'href="https://coins.example/c/camp-1/ideas/idea-7?source=mail&amp;kind=approved"' in mail.html
    assert 'href="https://coins.example/unsubscribe?token=abc&amp;event=idea_approved"' in mail.html
    assert "Unsubscribe" in mail.html and "Greener Office" in mail.html


def test_html_escapes_user_text_and_plain_text_keeps_it_as_written(renderer):
    mail = renderer.render("notification", notification(title=HOSTILE, body=HOSTILE, campaign_title=HOSTILE,
                                                        recipient_name=HOSTILE))
    assert "<script>" not in mail.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in mail.html
    assert HOSTILE in mail.text and HOSTILE in mail.subject  # neither is HTML: escaping would show as &lt;


def test_verification_and_invitation_mails_carry_their_link_and_expiry_and_no_unsubscribe(renderer):
    verification = renderer.render("verification", CONTEXTS["verification"])
    assert "verify" in verification.subject.lower()
    assert "https://coins.example/verify-email?token=t1" in verification.text
    assert 'href="https://coins.example/verify-email?token=t1"' in verification.html
    assert "27 November 2026, 18:00 UTC" in verification.text and "27 November 2026, 18:00 UTC" in verification.html

    invitation = renderer.render("invitation", CONTEXTS["invitation"])
    assert invitation.subject == "Bob invites you to Greener Office"
    assert "as manager" in invitation.text and "https://coins.example/invitations/t2" in invitation.text
    assert 'href="https://coins.example/invitations/t2"' in invitation.html and "9 December 2026" in invitation.html
    for mail in (verification, invitation):
        assert "unsubscribe" not in (mail.text + mail.html).lower()


def test_an_invitation_without_an_inviter_reads_naturally(renderer):
    mail = renderer.render("invitation", {**CONTEXTS["invitation"], "inviter_name": ""})
    assert mail.subject == "You are invited to Greener Office"
    assert "You are invited to join the campaign" in mail.text and " invites you" not in mail.text


def test_the_digest_lists_every_item_grouped_by_campaign_with_one_unsubscribe_link_per_event_kind(renderer):
    mail = renderer.render("digest", CONTEXTS["digest"])
    assert "3 notifications" in mail.subject and "25 November 2026" in mail.subject
    text = mail.text
    # Each campaign named once, its items under it.
    assert text.count("Greener Office") == 1 and text.count("Quiet Library") == 1
    greener, library = text.index("Greener Office"), text.index("Quiet Library")
    approved, rejected, starts = (text.index(t) for t in ("Idea approved", "Idea rejected", "Campaign starts"))
    assert greener < approved < rejected < library < starts
    for link in ("https://coins.example/i/1", "https://coins.example/c/2", "https://coins.example/i/3"):
        assert link in text and f'href="{link}"' in mail.html
    assert text.count("https://u/1") == 1 and text.count("https://u/2") == 1
    assert 'href="https://u/1"' in mail.html and 'href="https://u/2"' in mail.html


def test_a_missing_value_or_unknown_template_fails_loudly(renderer):
    context = notification()
    del context["link"]
    with pytest.raises(UndefinedError, match="link"):
        renderer.render("notification", context)
    with pytest.raises(ValueError, match="notification"):
        renderer.render("newsletter", {})


def test_the_message_has_text_and_html_alternatives_and_the_given_message_id():
    rendered = RenderedMail(subject="Hello · Greener Office", text="plain words\n", html="<p>html words</p>\n")
    message = build_message(rendered, sender=SENDER, to_email="ann@example.org", to_name='Ann "A." Lee',
                            message_id=stable_message_id("mail-42", SENDER))
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message.get_body(("plain",)).get_content() == "plain words\n"
    assert message.get_body(("html",)).get_content() == "<p>html words</p>\n"
    assert message["Message-ID"] == "<mail-42@coins.local>"
    assert message["To"].addresses[0].addr_spec == "ann@example.org"
    assert message["To"].addresses[0].display_name == 'Ann "A." Lee'
    assert message["From"].addresses[0].addr_spec == "no-reply@coins.local"
    assert message["Subject"] == "Hello · Greener Office" and message["Date"]
    assert "List-Unsubscribe" not in message  # account mails: nothing to unsubscribe from


def test_a_resend_has_the_same_message_id():
    assert stable_message_id("mail-42", SENDER) == stable_message_id("mail-42", SENDER) != stable_message_id(
        "mail-43", SENDER)


def test_unsubscribe_url_gives_the_one_click_headers():
    rendered = RenderedMail(subject="s", text="t", html="<p>h</p>")
    message = build_message(rendered, sender=SENDER, to_email="ann@example.org", to_name="Ann",
                            message_id="<m1@coins.local>", unsubscribe_url=UNSUBSCRIBE)
    assert message["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_mail_settings_defaults_reach_the_dev_mailbox_and_hide_the_password():
    assert MailSettings.from_env({}) == MailSettings(host="127.0.0.1", port=2525, username="", password="",
                                                     starttls=False, timeout_s=10.0,
                                                     sender="Coins for Change <no-reply@coins.local>")
    given = MailSettings.from_env({"COINS_SMTP_HOST": "smtp.example.org", "COINS_SMTP_PORT": "587",
                                   "COINS_SMTP_USERNAME": "coins", "COINS_SMTP_PASSWORD": "smtp-secret-9",
                                   "COINS_SMTP_STARTTLS": "true", "COINS_SMTP_TIMEOUT_S": "2.5",
                                   "COINS_MAIL_FROM": "Coins <coins@example.org>"})
    assert (given.host, given.port, given.username, given.starttls, given.timeout_s, given.sender) == (
        "smtp.example.org", 587, "coins", True, 2.5, "Coins <coins@example.org>")
    assert given.password == "smtp-secret-9" and "smtp-secret-9" not in repr(given)
    with pytest.raises(ValueError, match="COINS_SMTP_STARTTLS"):
        MailSettings.from_env({"COINS_SMTP_STARTTLS": "sometimes"})
