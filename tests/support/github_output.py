"""Read ``$GITHUB_OUTPUT`` back as the runner does (shared by integration and container tests)."""

from __future__ import annotations


def parse_github_output(text: str) -> dict[str, str]:
    """Parse ``name<<DELIM`` heredocs (and plain ``name=value``) as the runner does."""
    outputs: dict[str, str] = {}
    lines = iter(text.split("\n"))
    for line in lines:
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            value: list[str] = []
            for body in lines:
                if body == delimiter:
                    break
                value.append(body)
            else:
                msg = f"unterminated heredoc for {name}"
                raise AssertionError(msg)
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value_text = line.split("=", 1)
            outputs[name] = value_text
    return outputs
