"""External services: a partner's file server is described as one, not as a REST API."""

from __future__ import annotations

from agentspec.agents.packs.integration_requirements.sections import external_services as section
from agentspec.agents.packs.integration_requirements.sections.external_services import ExternalServices
from tests.knowledge.conftest import OUTBOUND_SPINE, spine

from ._general_helpers import context

SFTP = {"id": "partner_sftp", "name": "Partner SFTP", "direction": "file_import", "connects_to": "sync_worker",
        "purpose": "nightly price files", "auth": "an SSH key pair (the partner holds the public key), held in PARTNER_SFTP_SSH_PRIVATE_KEY"}
ANSWER = {"services": [{
    "name": "Partner SFTP", "purpose": "price files", "integration_type": "REST API", "authentication": "basic",
    "base_url": "https://sftp.partner.example/prices", "api_key_env_var": "API_KEY", "timeout_ms": 30000, "retry_attempts": 3,
    "requests_per_minute": 20, "burst_limit": 5, "rate_limits": "20 per minute", "fallback_strategy": "retry the next night"}]}


def test_a_file_server_is_reached_with_the_spines_key_and_has_no_request_rate() -> None:
    """The unseen SFTP draft called the partner's SFTP server an outbound REST API with basic auth,
    an API_KEY and 20 requests per minute."""
    design = spine(OUTBOUND_SPINE, external_systems=[SFTP],
                   settings=[{"name": "PARTNER_SFTP_SSH_PRIVATE_KEY", "secret": True, "purpose": "log in"}])
    data = section.align(ExternalServices.model_validate(ANSWER), design)
    service = data.services[0]
    assert service.integration_type.startswith("file import") and service.api_key_env_var == "PARTNER_SFTP_SSH_PRIVATE_KEY"
    assert "SSH key" in service.authentication
    text = section.render(data, context())
    assert "privateKey: process.env.PARTNER_SFTP_SSH_PRIVATE_KEY" in text and "port: 22" in text
    assert "host: 'sftp.partner.example'" in text
    assert "requestsPerMinute" not in text and "baseUrl" not in text
