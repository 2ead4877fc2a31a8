"""Admin screens for the business calendar (holidays, 调休 days) and automatic assignment."""

import datetime
import uuid

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gendan.core.timezones import time_zone_field

from .calendar import default_calendar
from .models import AssignmentRule, AssignmentStrategy, BusinessCalendar, CalendarDay

ASSIGNABLE_RECORDS = [("crm.customer", _("Customers")), ("crm.lead", _("Leads")), ("sales.order", _("Sales orders"))]


class BusinessCalendarForm(forms.ModelForm):
    time_zone = time_zone_field(label=_("time zone"), required=True)

    class Meta:
        model = BusinessCalendar
        fields = ["name", "is_default", "working_weekdays", "work_start", "work_end", "time_zone"]
        help_texts = {"working_weekdays": _("ISO weekday numbers, 1 = Monday … 7 = Sunday, e.g. [1, 2, 3, 4, 5].")}

    def clean_working_weekdays(self):
        days = self.cleaned_data["working_weekdays"]
        if not isinstance(days, list) or not all(isinstance(d, int) and 1 <= d <= 7 for d in days):
            raise forms.ValidationError(_("Give a list of weekday numbers from 1 (Monday) to 7 (Sunday)."))
        return sorted(set(days))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("work_start"), cleaned.get("work_end")
        if start and end and start >= end:
            self.add_error("work_end", _("Work must end after it starts."))
        return cleaned


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 1
    fields = ["date", "is_working", "note"]

    def get_queryset(self, request):
        # Twenty years of holidays make an unusable form: edit last year's days onwards.
        since = datetime.date(timezone.localdate().year - 1, 1, 1)
        return super().get_queryset(request).filter(date__gte=since)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    form = BusinessCalendarForm
    list_display = ["name", "is_default", "work_start", "work_end", "time_zone"]
    inlines = [CalendarDayInline]

    def changelist_view(self, request, extra_context=None):
        # The default calendar exists from the first look, with China's holidays filled in.
        default_calendar()
        return super().changelist_view(request, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Days saved through the inline already renewed the revision one by one; one more after
        # the last keeps every process's cache honest even when only the hours changed.
        BusinessCalendar.objects.filter(pk=form.instance.pk).update(revision=uuid.uuid4())


class AssignmentRuleForm(forms.ModelForm):
    target_model = forms.ChoiceField(label=_("record type"), choices=ASSIGNABLE_RECORDS)

    class Meta:
        model = AssignmentRule
        fields = ["target_model", "strategy", "candidates", "region_map", "is_active"]
        help_texts = {
            "region_map": _('For "by region": {"浙江省": <user id>, …}. Other regions go round robin.'),
        }

    def clean_region_map(self):
        mapping = self.cleaned_data["region_map"] or {}
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in mapping.items()
        ):
            raise forms.ValidationError(_('Map each region to a user id, e.g. {"浙江省": 3}.'))
        return mapping

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("strategy") == AssignmentStrategy.REGION and not cleaned.get("region_map"):
            self.add_error("region_map", _("Map at least one region to a rep."))
        return cleaned


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(admin.ModelAdmin):
    form = AssignmentRuleForm
    list_display = ["target_model", "strategy", "is_active", "last_assigned"]
    list_filter = ["target_model", "strategy", "is_active"]
    filter_horizontal = ["candidates"]
    readonly_fields = ["last_assigned"]
