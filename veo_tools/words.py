"""Words for two audiences: the one place where a message's next step is spelt for an agent
and for a person.

A message the engine raises or returns is read by an agent (through MCP or LangChain) or by a
person (the CLI). The situation is the same; the next step is spelt differently: a tool call and
its arguments for an agent (``check_status(task_id='…')``, ``channel='official'``), a command
and its flags for a person (``veo-tools status …``, ``--channel official``). Messages are built
as :class:`Words` from :class:`Term` parts (:func:`arg`, :func:`call`, :func:`run` and the named
terms below); the MCP and LangChain front-ends render the agent form, the CLI the person form.
:mod:`veo_tools.wording` holds the tool descriptions; this module imports nothing of the package,
so the error tree can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GENERATE_VIDEO = "generate_video"
GENERATE_BATCH = "generate_batch"
CHECK_STATUS = "check_status"
RECOMMEND_CHANNEL = "recommend_channel"
LIST_TASKS = "list_tasks"
#: Tool names, stable across releases and front-ends.
TOOL_NAMES = (GENERATE_VIDEO, GENERATE_BATCH, CHECK_STATUS, RECOMMEND_CHANNEL, LIST_TASKS)

Audience = Literal["agent", "person"]

#: The CLI command that does what each tool does.
COMMANDS = {
    GENERATE_VIDEO: "veo-tools generate",
    GENERATE_BATCH: "veo-tools batch",
    CHECK_STATUS: "veo-tools status",
    RECOMMEND_CHANNEL: "veo-tools recommend",
    LIST_TASKS: "veo-tools tasks",
}
#: Tool argument -> CLI flag, where it is not ``--`` + the name with dashes (``veo-tools
#: generate`` takes ``--image`` once per image; a positional argument is written as its value).
FLAGS = {
    "images": "--image",
    "from_task_id": "--from-task",
    "wait_seconds": "--wait",
    "resume_batch_id": "--resume",
    "task_id": "",
    "prompt": "",
    "download": "",
}
#: What a person writes for a value left open (``wait_seconds=...``).
PLACEHOLDERS = {"wait_seconds": "SECONDS", "task_id": "TASK_ID", "prompt": "'PROMPT'"}


def flag(name: str) -> str:
    """The CLI flag for the tool argument ``name`` (``images`` -> ``--image``); empty for a
    positional argument."""
    return FLAGS.get(name, "--" + name.replace("_", "-"))


@dataclass(frozen=True)
class Term:
    """One part of a message spelt differently for an agent and for a person."""

    agent: str
    person: str

    def render(self, audience: Audience) -> str:
        return self.agent if audience == "agent" else self.person


class Words:
    """A message with audience-dependent parts: ``template`` (``str.format`` syntax) filled with
    ``values``; a :class:`Term` or nested :class:`Words` value is rendered for the audience,
    anything else the same for both. ``str()`` is the agent form."""

    __slots__ = ("template", "values")

    def __init__(self, template: str, /, **values: object) -> None:
        self.template = template
        self.values = values

    @classmethod
    def plain(cls, text: str) -> Words:
        """Text that reads the same for everyone."""
        return cls("{text}", text=text)

    def render(self, audience: Audience = "agent") -> str:
        filled = {
            k: v.render(audience) if isinstance(v, Term | Words) else v
            for k, v in self.values.items()
        }
        return self.template.format(**filled)

    def __str__(self) -> str:
        return self.render("agent")

    def __repr__(self) -> str:
        return f"Words({self.render('agent')!r})"


def _agent_value(value: object) -> str:
    if value is Ellipsis:
        return "..."
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def arg(name: str, value: object = None) -> Term:
    """An argument, or an argument with its value: ``channel='official'`` / ``--channel
    official``; ``force_new=true`` / ``--force-new``; ``seed`` / ``--seed``."""
    if value is None:
        return Term(name, flag(name) or name.upper())
    person_value = PLACEHOLDERS.get(name, name.upper()) if value is Ellipsis else str(value)
    if isinstance(value, bool):
        person = flag(name) if value else f"no {flag(name)}"
    else:
        person = " ".join(part for part in (flag(name), person_value) if part)
    return Term(f"{name}={_agent_value(value)}", person)


def call(tool: str, **args: object) -> Term:
    """A tool call for an agent (``check_status(task_id='x')``, or the bare name without
    arguments); the CLI command for a person (``veo-tools status x``)."""
    agent = f"{tool}({', '.join(arg(k, v).agent for k, v in args.items())})" if args else tool
    person = " ".join([COMMANDS[tool], *(p for k, v in args.items() if (p := arg(k, v).person))])
    return Term(agent, person)


def run(tool: str, **args: object) -> Term:
    """``call check_status(...)`` for an agent, ``run veo-tools status ...`` for a person."""
    term = call(tool, **args)
    return Term(f"call {term.agent}", f"run {term.person}")


def names(*arguments: str) -> Words:
    """``seed and negative_prompt`` / ``--seed and --negative-prompt``."""
    return Words(
        " and ".join(f"{{a{i}}}" for i in range(len(arguments))),
        **{f"a{i}": arg(a) for i, a in enumerate(arguments)},
    )


#: Who can change what the engine is not allowed to decide.
RAISE_BUDGET = Term("ask the user to raise the budget", "raise VEO_TOOLS_BUDGET_USD")
PASS_API_KEY = Term(", pass api_key=...", "")
SANDBOX_SWITCH = Term("VEO_TOOLS_SANDBOX=1 / --sandbox", "--sandbox (or VEO_TOOLS_SANDBOX=1)")
USER_ACCEPTS = Term("the user accepts", "you accept")
CHEAPER = Term(
    f"{RECOMMEND_CHANNEL} with priority='budget'",
    f"{COMMANDS[RECOMMEND_CHANNEL]} --priority budget",
)

#: Where to look for a task that may exist.
LOOK_UP = Term(
    f"{LIST_TASKS} / {CHECK_STATUS}", f"{COMMANDS[LIST_TASKS]} / {COMMANDS[CHECK_STATUS]} TASK_ID"
)

#: Agent-only words: none of them may reach a person (tests/cli/test_cli_person_words.py).
AGENT_VOCABULARY = (
    "list_tasks",
    "api_key=",
    "channel='",
    "ask the user",
    "generate_video",
    "check_status(",
)

_STORED: dict[str, Words] = {}


def stored(words: Words) -> Words:
    """Register a constant message that is kept as (agent) text, in the journal: the CLI finds
    its person form again with :func:`for_person`."""
    _STORED[words.render("agent")] = words
    return words


def for_person(text: str) -> str:
    """The person form of a message kept as text, when it is a registered one."""
    found = _STORED.get(text)
    return found.render("person") if found is not None else text
