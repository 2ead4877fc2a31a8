"""The credit note form of an invoice's page: a quantity per line, or one sum (finance.services_credit_notes checks
both again)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gendan.core.forms import bootstrap

from .services_credit_notes import REASON_MAX_LENGTH


class CreditNoteForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the customer credited?"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    amount = forms.DecimalField(
        label=_("Or one sum, tax included"), max_digits=14, decimal_places=2, min_value=0.01, required=False
    )
    issue = forms.BooleanField(label=_("Issue it now"), required=False, initial=True)

    def __init__(self, *args, lines, may_issue: bool, **kwargs):
        """`lines`: the invoice's lines, each with `left` (what is left to credit of it). Who may not issue drafts."""
        super().__init__(*args, prefix="credit", **kwargs)
        if not may_issue:
            del self.fields["issue"]
        self.invoice_lines = [line for line in lines if line.left > 0]
        for line in self.invoice_lines:
            self.fields[self.line_field(line)] = forms.DecimalField(
                label=f"{line.order_line.product.sku} {line.order_line.product.name}",
                max_digits=14,
                decimal_places=3,
                min_value=0,
                required=False,
                help_text=_("At most %(qty)s") % {"qty": f"{line.left.normalize():f}"},
            )
        self.order_fields(["reason", *(self.line_field(line) for line in self.invoice_lines), "amount", "issue"])
        bootstrap(self)

    @staticmethod
    def line_field(line) -> str:
        return f"line_{line.pk}"

    def line_rows(self) -> list[dict] | None:
        """The lines given a quantity, as the service takes them; None when none was (an amount, then)."""
        rows = [
            {"invoice_line": line, "quantity": self.cleaned_data[self.line_field(line)]}
            for line in self.invoice_lines
            if self.cleaned_data.get(self.line_field(line))
        ]
        return rows or None

    def add_line_errors(self, rows, messages: dict) -> None:
        """Put the service's "lines.<i>.<field>" errors on the field of line i; the rest on the form."""
        for key, texts in messages.items():
            parts = key.split(".")
            if parts[0] == "lines" and len(parts) == 3 and rows and parts[1].isdigit() and int(parts[1]) < len(rows):
                self.add_error(self.line_field(rows[int(parts[1])]["invoice_line"]), texts)
            elif key in self.fields:
                self.add_error(key, texts)
            else:
                self.add_error(None, texts)
