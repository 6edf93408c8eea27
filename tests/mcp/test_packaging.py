"""``server.json`` (MCP Registry) and ``mcpb/manifest.json`` (Claude Desktop extension bundle)
follow their published schemas. Nothing is fetched: the rules relied on are written out here.

Registry (server.schema.json, 2025-12-11; docs/modelcontextprotocol-io/package-types.mdx):
name ``^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$``, 3-200 chars; description 1-100 chars; ``name``,
``description`` and ``version`` required; a package needs ``registryType``, ``identifier``,
``version`` (exact, never ``latest`` or a range) and ``transport``, and takes no other keys than
the schema's; PyPI packages live on ``https://pypi.org`` and prove ownership with an
``mcp-name: NAME`` marker in the README followed by a boundary.
MCPB (MANIFEST.md, v0.3): ``manifest_version``, ``name``, ``version``, ``description``,
``author.name`` and ``server`` required; a python server needs ``entry_point`` and
``mcp_config.command``; each ``user_config`` entry needs ``type`` (string, number, boolean,
directory, file), ``title`` and ``description``; ``${user_config.X}`` must name an entry.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from mcp_support import TOOL_NAMES

from veo_tools import __version__
from veo_tools.cli.app import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$")
VERSION_RANGE = re.compile(r"[\^~<>=*]|\.x\b|^latest$")
PACKAGE_KEYS = {
    "registryType",
    "registryBaseUrl",
    "identifier",
    "version",
    "fileSha256",
    "runtimeHint",
    "transport",
    "runtimeArguments",
    "packageArguments",
    "environmentVariables",
}
INPUT_FORMATS = {"string", "number", "boolean", "filepath"}
MANIFEST_KEYS = {
    "$schema",
    "manifest_version",
    "name",
    "display_name",
    "version",
    "description",
    "long_description",
    "author",
    "repository",
    "homepage",
    "documentation",
    "support",
    "icon",
    "icons",
    "screenshots",
    "localization",
    "server",
    "tools",
    "tools_generated",
    "prompts",
    "prompts_generated",
    "keywords",
    "license",
    "privacy_policies",
    "compatibility",
    "user_config",
    "_meta",
}
USER_CONFIG_TYPES = {"string", "number", "boolean", "directory", "file"}
USER_CONFIG_KEYS = {
    "type",
    "title",
    "description",
    "required",
    "default",
    "multiple",
    "sensitive",
    "min",
    "max",
}
REFERENCE = re.compile(r"\$\{user_config\.([A-Za-z0-9_]+)\}")


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((ROOT / name).read_text("utf-8"))
    return document


# ---- server.json ---------------------------------------------------------------------------


def test_server_json_has_the_required_fields_and_a_valid_name() -> None:
    server = load("server.json")
    assert server["$schema"].startswith("https://static.modelcontextprotocol.io/schemas/")
    assert NAME_PATTERN.match(server["name"]) and 3 <= len(server["name"]) <= 200
    assert 1 <= len(server["description"]) <= 100
    assert server["version"] == PYPROJECT["version"] == __version__
    assert not VERSION_RANGE.search(server["version"])


def test_server_json_points_at_this_pypi_package_and_runs_the_mcp_command() -> None:
    (package,) = load("server.json")["packages"]
    assert set(package) <= PACKAGE_KEYS
    assert {"registryType", "identifier", "version", "transport"} <= set(package)
    assert package["registryType"] == "pypi" and package["registryBaseUrl"] == "https://pypi.org"
    assert package["identifier"] == PYPROJECT["name"]
    assert package["version"] == PYPROJECT["version"] and package["version"] != "latest"
    assert package["transport"] == {"type": "stdio"}
    # uvx runs the script named like the package: `uvx veo-tools mcp` starts the server.
    assert PYPROJECT["name"] in PYPROJECT["scripts"]
    arguments = package["packageArguments"]
    assert all(a["type"] == "positional" and ("value" in a or "valueHint" in a) for a in arguments)
    assert [a["value"] for a in arguments] == ["mcp"]
    assert "mcp" in {command.name for command in COMMANDS}


def test_server_json_asks_for_the_key_as_a_secret() -> None:
    (package,) = load("server.json")["packages"]
    variables = {v["name"]: v for v in package["environmentVariables"]}
    assert variables["APIYI_API_KEY"]["isSecret"] is True
    assert variables["APIYI_API_KEY"]["isRequired"] is True
    assert all("value" not in v and "default" not in v for v in variables.values())
    assert all(v.get("format", "string") in INPUT_FORMATS for v in variables.values())


def test_the_readme_carries_the_registry_ownership_marker() -> None:
    name = re.escape(load("server.json")["name"])
    readme = (ROOT / "README.md").read_text("utf-8")
    assert re.search(rf"mcp-name: {name}(\s|-->|<|$)", readme)


# ---- mcpb/manifest.json --------------------------------------------------------------------


def test_the_bundle_manifest_has_the_required_fields() -> None:
    manifest = load("mcpb/manifest.json")
    assert set(manifest) <= MANIFEST_KEYS
    assert manifest["manifest_version"] == "0.3"
    assert manifest["name"] and manifest["description"] and manifest["author"]["name"]
    assert manifest["version"] == PYPROJECT["version"]
    server = manifest["server"]
    assert server["type"] == "python" and server["entry_point"].startswith("server/lib/")
    module = server["entry_point"].removeprefix("server/lib/")
    assert (ROOT / module).is_file()  # the bundle's server/lib holds this package
    config = server["mcp_config"]
    assert set(config) <= {"command", "args", "env", "platform_overrides"}
    assert config["command"] == "python" and config["args"] == ["-m", "mcp_server"]
    assert all(isinstance(v, str) for v in config["env"].values())
    assert {tool["name"] for tool in manifest["tools"]} == set(TOOL_NAMES)


def test_the_bundle_takes_the_key_as_a_sensitive_setting_not_a_pasted_value() -> None:
    manifest = load("mcpb/manifest.json")
    env = manifest["server"]["mcp_config"]["env"]
    assert env["APIYI_API_KEY"] == "${user_config.api_key}"
    key = manifest["user_config"]["api_key"]
    assert key["type"] == "string" and key["sensitive"] is True and key["required"] is True
    assert "default" not in key
    assert not any(value.startswith("sk-") for value in env.values())


def test_every_user_setting_is_well_typed_and_every_reference_resolves() -> None:
    manifest = load("mcpb/manifest.json")
    settings = manifest["user_config"]
    for name, entry in settings.items():
        assert set(entry) <= USER_CONFIG_KEYS, name
        assert entry["type"] in USER_CONFIG_TYPES and entry["title"] and entry["description"]
        if "default" in entry:
            expected = {"number": (int, float), "boolean": bool}.get(entry["type"], str)
            assert isinstance(entry["default"], expected), name
        if "min" in entry or "max" in entry:
            assert entry["type"] == "number", name
    referenced = set(REFERENCE.findall(json.dumps(manifest["server"])))
    assert referenced == set(settings)
