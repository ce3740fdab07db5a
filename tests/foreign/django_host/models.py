"""The models django-scim2 serves: Django's user and a group, each with django-scim2's SCIM mixin."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django_scim.models import AbstractSCIMGroupMixin, AbstractSCIMUserMixin


class Group(AbstractSCIMGroupMixin):
    """A SCIM Group."""

    name = models.CharField("name", max_length=80, unique=True)


class User(AbstractSCIMUserMixin, AbstractUser):
    """A SCIM User: django-scim2's default adapter maps it (userName, name, one email, active)."""

    scim_groups = models.ManyToManyField(Group, related_name="user_set")
