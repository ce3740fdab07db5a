"""A small Django site serving django-scim2 (15five's SCIM provider), started by tests/foreign as a subprocess.

Only glue is written here: a User model with django-scim2's mixin, its URLs, and a bearer-token check.
Every SCIM answer (filters, paging, PATCH, uniqueness, errors) is django-scim2's own.
"""
