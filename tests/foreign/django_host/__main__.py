"""Serve django-scim2 on loopback: ``python -m tests.foreign.django_host --port P --token T --db FILE``.

Creates the SQLite tables (no migrations of its own), then serves the Django site with uvicorn.
"""

from __future__ import annotations

import argparse

import django
import uvicorn
from django.conf import settings

APP = __package__ or "tests.foreign.django_host"


def configure(port: int, token: str, db: str) -> None:
    """Django settings of the site; django-scim2 reads ``SCIM_SERVICE_PROVIDER`` when first imported."""
    settings.configure(
        SECRET_KEY="a-test-site-on-loopback-with-no-secrets",
        DEBUG=False,
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django_scim", APP],
        MIDDLEWARE=[f"{APP}.site.BearerTokenMiddleware"],
        ROOT_URLCONF=f"{APP}.site",
        AUTH_USER_MODEL=f"{APP.rsplit('.', 1)[-1]}.User",
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db}},
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        USE_TZ=True,
        HOST_BEARER_TOKEN=token,
        SCIM_SERVICE_PROVIDER={
            "GROUP_MODEL": f"{APP}.models.Group",
            "SCHEME": "http",
            "NETLOC": f"127.0.0.1:{port}",
            "AUTHENTICATION_SCHEMES": [
                {"type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "A static bearer token"}
            ],
            "WWW_AUTHENTICATE_HEADER": 'Bearer realm="django-scim2"',
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.foreign.django_host", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--db", required=True, help="SQLite file (created)")
    args = parser.parse_args()
    configure(args.port, args.token, args.db)
    django.setup()

    from django.core.asgi import get_asgi_application
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)
    print(f"Serving django-scim2 on http://127.0.0.1:{args.port}/scim/v2", flush=True)
    uvicorn.run(get_asgi_application(), host="127.0.0.1", port=args.port, log_level="info", lifespan="off")


if __name__ == "__main__":
    main()
