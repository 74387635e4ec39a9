"""What the versions route sends where: the version, the Worker settings, the deployment."""

from __future__ import annotations

from entrypoint.deploy.release import split_settings
from entrypoint.model import DeployMode

PUT_METADATA = {
    "main_module": "index.js",
    "bindings": [],
    "compatibility_date": "2025-06-01",
    "compatibility_flags": [],
    "code_update_strategy": {"mode": "deferred", "max_delay": 300},
    "keep_bindings": ["secret_text", "secret_key"],
    "observability": {"enabled": True},
    "tags": ["team:web"],
}


def test_a_version_keeps_its_bindings_and_leaves_worker_and_deployment_keys_aside():
    version, aside = split_settings(dict(PUT_METADATA))
    assert version == {  # wrangler keeps the Worker settings in the version too, tags aside
        "main_module": "index.js",
        "bindings": [],
        "compatibility_date": "2025-06-01",
        "compatibility_flags": [],
        "keep_bindings": ["secret_text", "secret_key"],
        "observability": {"enabled": True},
    }
    assert aside == {
        "code_update_strategy": {"mode": "deferred", "max_delay": 300},
        "observability": {"enabled": True},
        "tags": ["team:web"],
    }


def test_a_version_upload_carries_annotations_as_wrangler_versions_upload_does():
    version, _ = split_settings(dict(PUT_METADATA), DeployMode.VERSION)
    assert version["annotations"] == {}
    message = {"workers/message": "release 7"}
    version, _ = split_settings({**PUT_METADATA, "annotations": message}, DeployMode.VERSION)
    assert version["annotations"] == message
    assert "annotations" not in split_settings(dict(PUT_METADATA))[0]
