"""The proxy and CA variables, read from the mapping the CLI passes in (never the process's), and
the client value a command's settings make."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoint.cloudflare.tls import CaTrust, Trust
from entrypoint.config.deploy import load_settings
from entrypoint.config.images import load_images_settings
from entrypoint.config.network import DIRECT, MIN_CONNECTIONS, client_config, read_network
from entrypoint.errors import ConfigurationError

ACCOUNT = "0123456789abcdef0123456789abcdef"


def test_nothing_set_is_direct() -> None:
    network = read_network({"PATH": "/usr/bin"})
    assert network == DIRECT
    assert not network.proxies.configured
    assert network.secrets == ()


def test_each_scheme_reads_its_variable_then_all_proxy() -> None:
    network = read_network(
        {"HTTPS_PROXY": "http://secure.corp:3128", "ALL_PROXY": "http://every.corp:8080"}
    )
    https, http = network.proxies.https, network.proxies.http
    assert https is not None
    assert (https.host, https.port, https.variable) == ("secure.corp", 3128, "HTTPS_PROXY")
    assert http is not None
    assert (http.host, http.port, http.variable) == ("every.corp", 8080, "ALL_PROXY")


def test_lower_case_wins_and_blank_counts_as_unset() -> None:
    network = read_network(
        {
            "https_proxy": "http://lower.corp:1",
            "HTTPS_PROXY": "http://upper.corp:2",
            "http_proxy": "  ",
            "HTTP_PROXY": "http://upper-http.corp:3",
            "no_proxy": "lower.example",
            "NO_PROXY": "upper.example",
        }
    )
    proxies = network.proxies
    assert proxies.https is not None
    assert proxies.https.host == "lower.corp"
    assert proxies.https.variable == "https_proxy"
    assert proxies.http is not None
    assert proxies.http.host == "upper-http.corp"
    assert proxies.for_url("https://lower.example/") is None
    assert proxies.for_url("https://upper.example/") is proxies.https


@pytest.mark.parametrize(
    ("value", "scheme", "host", "port"),
    [
        ("proxy.corp", "http", "proxy.corp", 1080),  # curl's defaults: http://, port 1080
        ("proxy.corp:3128", "http", "proxy.corp", 3128),
        ("HTTP://Proxy.Corp:3128/", "http", "proxy.corp", 3128),
        ("https://proxy.corp", "https", "proxy.corp", 443),
        ("http://[::1]:3128", "http", "::1", 3128),
        ("http://10.1.2.3:8080/ignored/path", "http", "10.1.2.3", 8080),
    ],
)
def test_proxy_urls(value: str, scheme: str, host: str, port: int) -> None:
    proxy = read_network({"HTTPS_PROXY": value}).proxies.https
    assert proxy is not None
    assert (proxy.scheme, proxy.host, proxy.port) == (scheme, host, port)
    assert proxy.authorization() is None


def test_credentials_are_decoded_and_become_secrets() -> None:
    network = read_network({"HTTPS_PROXY": "http://me%40corp:p%40ss%3Aword@proxy.corp:3128"})
    proxy = network.proxies.https
    assert proxy is not None
    assert (proxy.username, proxy.password) == ("me@corp", "p@ss:word")
    shown = {secret.get_secret_value() for secret in network.secrets}
    assert {"p@ss:word", "p%40ss%3Aword", "me@corp:p@ss:word"} <= shown


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("socks5://user:hunter22@proxy.corp:1080", "HTTPS_PROXY names a socks5:// proxy"),
        ("socks5h://proxy.corp", "HTTPS_PROXY names a socks5h:// proxy"),
        ("http://user:hunter22@proxy.corp:99999", "HTTPS_PROXY is not a proxy URL"),
        ("http://user:hunter22@:3128", "HTTPS_PROXY is not a proxy URL"),
        ("http://proxy corp:3128", "HTTPS_PROXY is not a proxy URL"),
        ("http://user:hunter22@proxy.corp:port", "HTTPS_PROXY is not a proxy URL"),
    ],
)
def test_a_bad_proxy_is_refused_without_echoing_it(value: str, says: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        read_network({"HTTPS_PROXY": value})
    assert says in str(refused.value)
    assert "hunter22" not in str(refused.value)
    assert "proxy.corp" not in str(refused.value)


def test_ca_variables_are_read_as_given() -> None:
    network = read_network({"SSL_CERT_FILE": " /etc/corp/ca.pem ", "SSL_CERT_DIR": "/etc/corp/"})
    assert network.ca_file == Path("/etc/corp/ca.pem")
    assert network.ca_dir == Path("/etc/corp")
    assert network.trust(CaTrust.SYSTEM) == Trust(
        store=CaTrust.SYSTEM, ca_file=Path("/etc/corp/ca.pem"), ca_dir=Path("/etc/corp")
    )
    assert read_network({"ssl_cert_file": "/x.pem"}).ca_file is None  # OpenSSL's spelling only


def test_client_config_of_deploy_settings() -> None:
    settings = load_settings(
        {"account_id": ACCOUNT, "api_token": "t0ken-value", "concurrency": "100"},
        {"INPUT_CA-TRUST": "system", "INPUT_TIMEOUT": "7"},
    )
    network = read_network({"HTTPS_PROXY": "proxy.corp:3128", "SSL_CERT_FILE": "/ca.pem"})
    config = client_config(settings, network)
    assert config.base_url == "https://api.cloudflare.com/client/v4"
    assert config.account_id == ACCOUNT
    assert config.credentials.headers() == {"Authorization": "Bearer t0ken-value"}
    assert (config.timeout, config.connections) == (7.0, 100)
    assert config.proxies == network.proxies
    assert config.trust == Trust(store=CaTrust.SYSTEM, ca_file=Path("/ca.pem"))
    assert "t0ken" not in repr(config)


def test_client_config_of_images_settings_defaults() -> None:
    settings = load_images_settings({"account_id": ACCOUNT, "concurrency": "4"}, {})
    config = client_config(settings)
    assert config.connections == MIN_CONNECTIONS
    assert config.trust == Trust()
    assert not config.proxies.configured


def test_ca_trust_takes_only_its_values() -> None:
    with pytest.raises(ConfigurationError, match="input 'ca-trust'"):
        load_settings({"ca_trust": "corporate"})
