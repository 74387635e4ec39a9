"""The inputs every command that calls Cloudflare shares: the credentials, the account, the API's
base URL and what TLS trusts (deploy, release and images inherit them; a command whose token
needs another permission says so in its own ``api_token``), and the checks of their values."""

from __future__ import annotations

from pydantic import SecretStr

from entrypoint.cloudflare.tls import CaTrust
from entrypoint.cloudflare.urls import header_safe, url_problem
from entrypoint.config.inputs import ACCOUNT_ID_RE, DEFAULT_API_BASE_URL, CommandSettings, setting
from entrypoint.config.request_values import HEADER_SAFE_RULE, credential_values


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


def cloudflare_input_problems(s: CloudflareInputs) -> list[tuple[str, str]]:
    """What is wrong with ``s``'s shared inputs, as (input name, what) pairs in input order;
    never a value."""
    problems: list[tuple[str, str]] = []
    if s.account_id is not None and not ACCOUNT_ID_RE.fullmatch(s.account_id):
        problems.append(
            ("account-id", "must be 32 lowercase hex characters (Dashboard → Account ID)")
        )
    if (problem := url_problem(s.api_base_url)) is not None:
        problems.append(("api-base-url", problem))
    for name, secret in credential_values(s.api_token, s.api_key, s.api_email):
        if not header_safe(secret):
            problems.append((name, HEADER_SAFE_RULE))
    if s.api_key is not None and s.api_email is None:
        problems.append(("api-email", "is required with api-key"))
    return problems
