"""Huey jobs of automation, one module per part they drive (outbox, channels, digest, deadlines, rules).

Named jobs, not tasks: Task is a model here. Huey's Django integration discovers only modules
named `tasks`, so AutomationConfig.ready() imports each module of this package. This module
imports none of them itself: services enqueue jobs (jobs.channels.send_deliveries), and jobs
call services, so importing the whole package from here would tie the two in a circle.
"""
