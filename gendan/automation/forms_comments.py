"""The comment box and the file picker on a record's comments panel; the services judge what they hold."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from gendan.core.forms import BootstrapForm

from .services_comments import COMMENT_MAX_LENGTH


class CommentForm(BootstrapForm):
    # Not required here: the service says what is missing, in the same words for the page and the API.
    body = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                # comments.js suggests people as "@" is typed, from the users look-up.
                "data-mentions": reverse_lazy("lookup_users"),
                "placeholder": _("Write a comment; type @ to mention someone"),
            }
        ),
    )


class AttachmentForm(BootstrapForm):
    file = forms.FileField(label=_("File"), required=False)
