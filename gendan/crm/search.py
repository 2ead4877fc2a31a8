"""How customers and their records are searched (core.search); indexed by migration 0007_search_indexes."""

from gendan.core.search import Searchable

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
