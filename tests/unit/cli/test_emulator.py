"""The emulator subcommand refuses a bad fault plan before binding anything."""

from __future__ import annotations

import pytest

from entrypoint.cli import main


@pytest.mark.parametrize("faults", ["{bad json", '{"nope": 1}', '{"rate_429": 2}'])
def test_bad_faults_exit_2_with_a_message(faults, capsys):
    assert main(["emulator", "--port", "0", "--faults", faults]) == 2
    assert "invalid --faults" in capsys.readouterr().out


@pytest.mark.parametrize(("flags", "verify"), [([], True), (["--trusting"], False)])
def test_trusting_turns_the_hash_check_off(monkeypatch, flags, verify):
    started = []
    monkeypatch.setattr(
        "entrypoint.emulator.run_emulator", lambda config, ready: started.append(config)
    )
    assert main(["emulator", "--port", "0", *flags]) == 0
    assert [config.verify_hashes for config in started] == [verify]
