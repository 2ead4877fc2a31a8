"""The order's instalment plan as rows on the order page (finance.services_instalments checks them)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gendan.core.forms import BootstrapForm, run_service

from .models import InstalmentBasis
from .services_instalments import MAX_INSTALMENTS, order_instalments_set

ROWS_SHOWN = 3


class InstalmentRowForm(BootstrapForm):
    percent = forms.DecimalField(label=_("Share (%)"), required=False, max_digits=5, decimal_places=2, min_value=0)
    basis = forms.ChoiceField(label=_("Counted from"), required=False, choices=[("", "—"), *InstalmentBasis.choices])
    days = forms.IntegerField(label=_("Days after"), required=False, min_value=0)

    def setup_fields(self) -> None:
        self.fields["percent"].widget.attrs.update({"inputmode": "decimal", "step": "any"})
        self.fields["days"].widget.attrs.update({"inputmode": "numeric"})

    def row(self) -> dict | None:
        data = self.cleaned_data
        if data.get("percent") in (None, "") and not data.get("basis"):
            return None
        return {"percent": data.get("percent"), "basis": data.get("basis"), "days": data.get("days") or 0}


class InstalmentPlanForm(BootstrapForm):
    """The plan's rows, blank ones left out; at least one more row than the plan has, to add one."""

    def __init__(self, data=None, *, instalments=(), **kwargs):
        super().__init__(data, **kwargs)
        initial = [{"percent": row.percent, "basis": row.basis, "days": row.days} for row in instalments]
        count = min(MAX_INSTALMENTS, max(ROWS_SHOWN, len(initial) + 1))
        self.rows = [
            InstalmentRowForm(
                data, prefix=f"instalment-{index}", initial=initial[index] if index < len(initial) else None
            )
            for index in range(count)
        ]

    def is_valid(self) -> bool:
        return all([super().is_valid(), *(row.is_valid() for row in self.rows)])

    def save(self, *, actor, order):
        """The new plan, or None with the refusal on the form (each row's on its row)."""
        given = [(form, form.row()) for form in self.rows]
        given = [(form, row) for form, row in given if row is not None]
        row_forms = {f"instalments.{index}": form for index, (form, _row) in enumerate(given)}
        return run_service(
            self,
            lambda: order_instalments_set(order=order, actor=actor, instalments=[row for _form, row in given]),
            row_forms,
        )
