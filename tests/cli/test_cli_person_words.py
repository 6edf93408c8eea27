"""The CLI speaks to people (issue 15 item 6): every message it prints names commands, flags and
environment variables, never tool calls and arguments; the tools keep their agent wording.

The walk: every string the package can put in front of a person (source literals outside the
agent front-end and the vocabulary module itself) is free of the agent-only vocabulary, and the
messages built from :mod:`veo_tools.words` render it only in their agent form.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import Run

from veo_tools import words
from veo_tools.cli.app import build_parser
from veo_tools.types import GenerateBatchInput, GenerateVideoInput
from veo_tools.words import AGENT_VOCABULARY, Term, Words, arg, call, flag, run

PACKAGE = Path(__file__).resolve().parents[2] / "veo_tools"
#: Modules whose words an agent reads (or that define the agent vocabulary itself).
AGENT_ONLY = ("langchain/", "words.py", "wording.py")
OFFICIAL = ("--channel", "official")


def _pattern(word: str) -> str:
    before = r"(?<!\w)" if word[0].isalnum() or word[0] == "_" else ""
    after = r"(?!\w)" if word[-1].isalnum() or word[-1] == "_" else ""
    return before + re.escape(word) + after


def agent_words(text: str) -> list[str]:
    return [w for w in AGENT_VOCABULARY if re.search(_pattern(w), text)]


def literals(tree: ast.AST) -> Iterator[ast.Constant]:
    """Every string constant that is not a docstring."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    # A repr is for a developer reading a log (``Settings(api_key=**********)``), not a message.
    reprs = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "__repr__"
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):  # noqa: SIM102
            if id(node) not in docstrings | reprs:
                yield node


def test_no_string_a_person_can_read_holds_agent_only_words() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith(AGENT_ONLY):
            continue
        for node in literals(ast.parse(path.read_text())):
            if hits := agent_words(node.value):
                found.append(f"{relative}:{node.lineno}: {hits} in {node.value[:70]!r}")
    assert not found, "agent words where a person may read them:\n" + "\n".join(found)


def test_every_term_reads_as_a_command_or_a_flag_for_a_person() -> None:
    terms = [v for v in vars(words).values() if isinstance(v, Term)]
    terms += [call(tool) for tool in words.TOOL_NAMES] + [run(tool) for tool in words.TOOL_NAMES]
    terms += [call(words.CHECK_STATUS, task_id="veo_1", wait_seconds=...)]
    terms += [arg("channel", "official"), arg("force_new", True), arg("images")]
    for term in terms:
        assert not agent_words(term.person), term
    assert any(agent_words(term.agent) for term in terms)


def test_a_message_renders_its_next_step_for_each_audience() -> None:
    message = Words("No task {tid!r}: {see} to see the ids.", tid="x{y}", see=run(words.LIST_TASKS))
    assert message.render("agent") == "No task 'x{y}': call list_tasks to see the ids."
    assert message.render("person") == "No task 'x{y}': run veo-tools tasks to see the ids."
    assert str(message) == message.render("agent")


def test_every_argument_maps_to_a_flag_the_cli_really_has() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    generate = sub.choices["generate"]  # type: ignore[index]
    options = {o for action in generate._actions for o in action.option_strings}
    for name in GenerateVideoInput.model_fields:
        if flag(name):
            assert flag(name) in options, name
    assert flag("images") == "--image"
    batch = sub.choices["batch"]  # type: ignore[index]
    batch_options = {o for action in batch._actions for o in action.option_strings}
    assert flag("resume_batch_id") in batch_options
    assert flag("concurrency") in batch_options and "concurrency" in GenerateBatchInput.model_fields


def test_a_refused_image_list_names_the_image_flag(run: Run) -> None:
    images = [part for _ in range(31) for part in ("--image", "inputs/still.png")]
    result = run("--sandbox", "generate", "x", *OFFICIAL, *images)
    assert result.code == 2 and "--image:" in result.err and "--images" not in result.err


def test_an_unknown_task_id_points_to_the_tasks_command(run: Run) -> None:
    result = run("--sandbox", "status", "veo_nope")
    assert result.code == 2 and "veo-tools tasks" in result.err
    assert not agent_words(result.err), result.err


def test_options_only_official_models_use_name_their_flags_in_good_grammar(run: Run) -> None:
    result = run("--sandbox", "generate", "x", "--channel", "reverse", "--seed", "3")
    assert result.code == 2
    assert "--seed only works on Official models" in result.err
    assert "--channel official" in result.err and not agent_words(result.err), result.err
    both = run(
        "--sandbox",
        "generate",
        "x",
        "--channel",
        "reverse",
        "--seed",
        "3",
        "--negative-prompt",
        "rain",
    )
    assert "--seed and --negative-prompt only work on Official models" in both.err


def test_a_missing_key_is_told_as_an_environment_variable(run: Run) -> None:
    result = run("generate", "x")
    assert result.code == 2 and "APIYI_API_KEY" in result.err and "--sandbox" in result.err
    assert not agent_words(result.err), result.err


def test_the_budget_guard_says_which_setting_to_raise(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEO_TOOLS_BUDGET_USD", "0.1")
    result = run("--sandbox", "generate", "x", *OFFICIAL)
    assert result.code == 2 and "raise VEO_TOOLS_BUDGET_USD" in result.err
    assert "veo-tools recommend --priority budget" in result.err
    assert not agent_words(result.err), result.err


def test_stream_mode_on_official_suggests_flags(run: Run) -> None:
    result = run("--sandbox", "generate", "x", *OFFICIAL, "--mode", "stream")
    assert result.code == 2 and "--mode async" in result.err and "--channel reverse" in result.err
    assert not agent_words(result.err), result.err


def test_a_misspelt_option_suggests_the_real_one(run: Run) -> None:
    result = run("--sandbox", "generate", "x", "--chanel", "official")
    assert result.code == 2 and "--chanel" in result.err and "did you mean --channel?" in result.err


def test_an_option_nothing_resembles_gets_no_suggestion(run: Run) -> None:
    result = run("--sandbox", "generate", "x", "--zzzzzz")
    assert result.code == 2 and "unrecognized arguments: --zzzzzz" in result.err
    assert "did you mean" not in result.err


def test_the_tools_keep_speaking_to_agents() -> None:
    from veo_tools.errors import TaskNotFoundError

    error = TaskNotFoundError(Words("Use {see}.", see=call(words.LIST_TASKS)))
    assert error.message == "Use list_tasks." and error.text("person") == "Use veo-tools tasks."
