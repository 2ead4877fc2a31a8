"""Huey tasks: load by id, call a service, safe to run twice."""
