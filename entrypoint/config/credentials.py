"""The inputs every command that calls Cloudflare shares: the credentials, the account, the API's
base URL and what TLS trusts (deploy, release and images inherit them; a command whose token
needs another permission says so in its own ``api_token``)."""

from __future__ import annotations

from pydantic import SecretStr

from entrypoint.cloudflare.tls import CaTrust
from entrypoint.config.inputs import DEFAULT_API_BASE_URL, CommandSettings, setting


class CloudflareInputs(CommandSettings):
    """Credentials, account, API base URL and CA trust, in this order at the head of a
    command's inputs."""

    api_token: SecretStr | None = setting(
        doc="Cloudflare API token with the Workers Scripts Write permission."
    )
    api_key: SecretStr | None = setting(doc="Global API key; needs api-email. Prefer api-token.")
    api_email: str | None = setting(doc="Account e-mail that goes with api-key.")
    account_id: str | None = setting(doc="Cloudflare account id (32 hex characters).")
    api_base_url: str = setting(
        DEFAULT_API_BASE_URL,
        doc="Cloudflare API base URL; point it at the bundled emulator to test.",
    )
    ca_trust: CaTrust = setting(
        CaTrust.BUNDLED,
        doc="Which CA certificates verify Cloudflare (and an https proxy): bundled (those "
        "shipped with cf-assets) or system (the operating system's trust store, for a "
        "corporate CA). SSL_CERT_FILE / SSL_CERT_DIR replace the bundled ones, or add to "
        "the system's.",
    )
