"""Product forms: they parse and coerce input; the rules (floor price, unique SKU) live in catalog.services."""

from django import forms
from django.core.validators import MinValueValidator
from django.forms.models import fields_for_model

from gendan.accounts.lookups import user_picker
from gendan.core.forms import BootstrapForm
from gendan.core.forms_custom_fields import CustomFieldsMixin

from .models import Product, UnitOfMeasure
from .services import MONEY_FIELDS

CREATE_FIELDS = ["sku", "name", "unit", "list_price", "floor_price", "cost"]
# A product is created active; deactivating it is an edit.
EDIT_FIELDS = [*CREATE_FIELDS, "is_active"]


def unit_choices() -> list[tuple[str, str]]:
    return [(unit.code, unit.label) for unit in UnitOfMeasure.objects.all()]


class ProductForm(CustomFieldsMixin, BootstrapForm):
    """The product's fields; cost only for users who may see it, so an edit cannot reveal or blank it."""

    field_names = CREATE_FIELDS

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def setup_fields(self):
        names = [name for name in self.field_names if name != "cost" or self.user.has_perm("catalog.view_cost")]
        self.fields.update(fields_for_model(Product, fields=names))
        for name in MONEY_FIELDS:
            if name in self.fields:
                # The database backstop (a CHECK) would otherwise be the first to notice.
                self.fields[name].min_value = 0
                self.fields[name].validators.append(MinValueValidator(0))
        # A list to choose from, so "pcs", "PCS" and "个 " do not become three ways to count.
        self.fields["unit"] = forms.ChoiceField(
            label=self.fields["unit"].label, choices=unit_choices, initial=Product._meta.get_field("unit").default
        )
        self.order_fields(names)
        # An edit's initial holds the product's values (model_to_dict); a new product has none.
        self.add_custom_fields(
            "catalog.product", person_picker=user_picker, values=(self.initial or {}).get("custom_fields")
        )


class ProductEditForm(ProductForm):
    field_names = EDIT_FIELDS
    # The version the user started from: a save against a newer one is refused, never merged.
    version = forms.IntegerField(widget=forms.HiddenInput)
