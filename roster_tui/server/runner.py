"""``roster serve``: pick the token, open the storage, run uvicorn."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

from roster_tui.config import default_token_file
from roster_tui.server.auth import TokenRegistry, new_token, read_token_file, write_secret_file


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_tokens(host: str, token_file: str | None, named: int = 0) -> tuple[TokenRegistry, str]:
    """The accepted tokens and a sentence saying where the token comes from (never the token itself).

    ``named`` is how many live named tokens the database holds (``roster token create``).
    """
    tokens = TokenRegistry()
    if token_file:
        tokens.add("token-file", read_token_file(Path(token_file)))
        return tokens, f"token from {token_file}"
    if os.environ.get("ROSTER_API_TOKEN"):
        tokens.add("env", os.environ["ROSTER_API_TOKEN"])
        return tokens, "token from ROSTER_API_TOKEN"
    if named:
        return tokens, f"{named} named token(s) from the database"
    if not is_loopback(host):
        raise SystemExit(f"roster serve: refusing to listen on {host} without a token: set ROSTER_API_TOKEN "
                         "or pass --token-file FILE (a file with mode 0600)")
    path = default_token_file()
    if path.exists():
        token = read_token_file(path)
    else:
        token = new_token()
        write_secret_file(path, token)
    tokens.add("local", token)
    return tokens, f"token in {path} (export ROSTER_API_TOKEN=\"$(cat {path})\")"


def serve(host: str, port: int, db: str, token_file: str | None, access_log: bool = False) -> None:
    import uvicorn

    from roster_tui.server.app import create_app
    from roster_tui.server.storage.sql import SqlStorage

    storage = SqlStorage(db)
    tokens, where = serve_tokens(host, token_file, sum(1 for t in storage.tokens() if not t["revoked"]))
    tokens.lookup = storage.token_name
    app = create_app(storage, tokens)
    shown = f"[{host}]" if ":" in host else host
    print(f"roster API on http://{shown}:{port}/scim/v2 (storage: {db}; {where})", file=sys.stderr, flush=True)
    try:
        uvicorn.run(app, host=host, port=port, access_log=access_log, log_level="info" if access_log else "warning",
                    loop="uvloop", http="httptools")
    finally:
        storage.close()
