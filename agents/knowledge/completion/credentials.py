"""Credentials of the systems the design calls: each one it calls with credentials keeps them in
a secret setting named after it (a client secret, a token or an API key, as its auth says)."""

from __future__ import annotations

import re

from agentspec.agents.knowledge.coverage import OUTBOUND, externals, secret_for
from agentspec.agents.spine import DesignSpine, ExternalSystem, Setting
from agentspec.agents.knowledge.completion._shared import _api_of, _base, _room


def _credential_name(system: ExternalSystem) -> str:
    """The setting that holds what the system's auth says we send: a client secret for OAuth
    client credentials, a token where it says token, else an API key."""
    auth = system.auth.lower()
    kind = "CLIENT_SECRET" if re.search(r"oauth|client", auth) else "API_TOKEN" if "token" in auth else "API_KEY"
    return f"{_base(system).upper()}_{kind}"


def _called_systems_have_secrets(spine: DesignSpine) -> list[str]:
    """Every system the design calls with credentials keeps them in a secret setting named
    after it: the ninth-pass gdpr spine called "third-party processors" with "credentials the
    processor issues" and had no setting at all, so no section could say where they live."""
    notes = []
    for system in externals(spine, *OUTBOUND, "file_import"):
        if system.auth.strip().lower() in ("none", "") or secret_for(spine, system) is not None or not _room(spine, "settings"):
            continue
        name = _credential_name(system)
        spine.settings.append(Setting(name=name, secret=True, purpose=f"the credentials for {_api_of(system)}"))
        notes.append(f"secret setting {name} holds the credentials for {_api_of(system)}")
    return notes
