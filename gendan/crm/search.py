"""How customers and their records are searched (core.search); indexed by migration 0007_search_indexes."""

from django.utils.translation import gettext_lazy as _

from gendan.core.search import Kind, Searchable, joined

from .models import Contact, Contract, Customer, FollowUp, Lead, Meeting, Opportunity

# Customers and contacts are looked for by one or two characters too (a surname, a city): migration
# 0009_short_search_indexes indexes their characters.
CONTACTS = Searchable(Contact, text=("name", "phone"), short_terms=True)
# A customer is found by its contacts' names and phones too: people remember the person they deal with.
CUSTOMERS = Searchable(
    Customer, text=("name", "code", "phone", "tax_id"), through=(("contacts", CONTACTS),), short_terms=True
)
LEADS = Searchable(Lead, text=("company", "contact_name", "phone"))
CONTRACTS = Searchable(Contract, numbers=("number",), text=("title",), through=(("customer", CUSTOMERS),))
OPPORTUNITIES = Searchable(Opportunity, text=("name",), through=(("customer", CUSTOMERS),))
FOLLOW_UPS = Searchable(FollowUp, text=("notes", "outcome"), through=(("customer", CUSTOMERS),))
MEETINGS = Searchable(Meeting, text=("title", "place"), through=(("customer", CUSTOMERS),))


# What the global search finds of crm (core.search.Kind), registered in CrmConfig.ready().
CUSTOMER_KIND = Kind(
    "customer",
    CUSTOMERS,
    title=_("Customers"),
    permission="crm.view_customer",
    label=lambda customer: joined(customer.name, customer.code),
    detail=lambda customer: customer.phone,
    url=lambda customer: customer.get_absolute_url(),
    list_url="crm:customer_list",
)
# A contact leads to its customer: the phone fragment a rep remembers finds the company they deal with.
CONTACT_KIND = Kind(
    "contact",
    CONTACTS,
    title=_("Contacts"),
    permission="crm.view_customer",
    label=lambda contact: joined(contact.name, contact.customer.name),
    detail=lambda contact: joined(contact.title, contact.phone),
    url=lambda contact: contact.customer.get_absolute_url(),
    related=("customer",),
    list_url="crm:customer_list",
)
LEAD_KIND = Kind(
    "lead",
    LEADS,
    title=_("Leads"),
    permission="crm.view_lead",
    label=lambda lead: lead.company,
    detail=lambda lead: joined(lead.contact_name, lead.phone, lead.get_status_display()),
    url=lambda lead: lead.get_absolute_url(),
    list_url="crm:lead_list",
)
OPPORTUNITY_KIND = Kind(
    "opportunity",
    OPPORTUNITIES,
    title=_("Opportunities"),
    permission="crm.view_opportunity",
    label=lambda deal: joined(deal.name, deal.customer.name),
    detail=lambda deal: deal.get_stage_display(),
    url=lambda deal: deal.get_absolute_url(),
    related=("customer",),
    list_url="crm:opportunity_list",
)
CONTRACT_KIND = Kind(
    "contract",
    CONTRACTS,
    title=_("Contracts"),
    permission="crm.view_contract",
    label=lambda contract: joined(contract.number, contract.customer.name),
    detail=lambda contract: joined(contract.title, contract.get_status_display()),
    url=lambda contract: contract.get_absolute_url(),
    related=("customer",),
    list_url="crm:contract_list",
)
