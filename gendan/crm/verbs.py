"""What the CRM's events are called (see core.verbs)."""

from django.utils.translation import gettext_lazy as _

from gendan.core import verbs

CUSTOMER = "crm.customer"


def register() -> None:
    verbs.register_many(
        CUSTOMER,
        {
            "customer.created": (_("Customer created"), _("created the customer")),
            "customer.updated": (_("Customer edited"), _("edited the customer")),
            "customer.assigned": (_("Customer assigned by rule"), _("assigned the customer by rule")),
        },
    )
    verbs.register(
        "contact.created", _("Contact added"), "crm.contact", activity=_("added a contact"), also_for=(CUSTOMER,)
    )
    verbs.register(
        "address.created", _("Address added"), "crm.address", activity=_("added an address"), also_for=(CUSTOMER,)
    )
    verbs.register(
        "followup.created",
        _("Follow-up recorded"),
        "crm.followup",
        activity=_("recorded a follow-up"),
        also_for=(CUSTOMER,),
    )
    verbs.register_many(
        "crm.meeting",
        {
            "meeting.scheduled": (_("Meeting scheduled"), _("scheduled a meeting")),
            "meeting.updated": (_("Meeting changed"), _("changed a meeting")),
            "meeting.held": (_("Meeting held"), _("held a meeting")),
            "meeting.cancelled": (_("Meeting cancelled"), _("cancelled a meeting")),
        },
        also_for=(CUSTOMER,),
    )
    verbs.register_many(
        "crm.contract",
        {
            "contract.created": (_("Contract created"), _("created a contract")),
            "contract.updated": (_("Contract edited"), _("edited a contract")),
            "contract.activated": (_("Contract put in force"), _("put a contract in force")),
            "contract.submitted": (
                _("Contract waiting for approval"),
                _("signed a contract and submitted it for approval"),
            ),
            "contract.approval_rejected": (_("Contract's approval refused"), _("refused a contract's approval")),
            "contract.terminated": (_("Contract terminated"), _("terminated a contract")),
            "contract.expired": (_("Contract expired"), _("a contract expired")),
        },
        also_for=(CUSTOMER,),
    )
    verbs.register_many(
        "crm.lead",
        {
            "lead.created": (_("Lead entered"), _("created the lead")),
            "lead.updated": (_("Lead edited"), _("edited the lead")),
            "lead.contacted": (_("Lead contacted"), _("contacted the lead")),
            "lead.converted": (_("Lead converted into a customer"), _("converted the lead into a customer")),
            "lead.disqualified": (_("Lead disqualified"), _("disqualified the lead")),
            "lead.assigned": (_("Lead assigned by rule"), _("assigned the lead by rule")),
        },
    )
    verbs.register_many(
        "crm.opportunity",
        {
            "opportunity.created": (_("Opportunity opened"), _("opened an opportunity")),
            "opportunity.updated": (_("Opportunity edited"), _("edited an opportunity")),
            "opportunity.stage_changed": (
                _("Opportunity moved to another stage"),
                _("moved an opportunity to another stage"),
            ),
        },
        also_for=(CUSTOMER,),
    )
