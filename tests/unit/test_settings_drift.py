"""One set of settings everywhere: Settings, infra/template.yaml and the README's Configuration table agree.

The lists are derived, not written down here: the fields of factor_cleanup/runtime/settings.py, the template's
Parameters and function environments, and the rows of the README table. Which settings each function reads
comes from its handler's code: the Settings attributes it reaches through the app's parts (bootstrap.py,
adapters.py) and credentials.py.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest

from factor_cleanup.local.template import environment_parameters, load_template, raw_environments, references
from factor_cleanup.runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "infra" / "template.yaml"
WIRING = tuple(ROOT / "factor_cleanup" / "runtime" / name for name in ("bootstrap.py", "adapters.py", "credentials.py"))
APP_CLASSES = {"App", "Wiring"}  # followed part by part (`build_app().worker` reaches App.worker), never as a whole
# README variables that are no Settings field: read by make run, the commands, or metrics.py; never deployed.
NOT_SETTINGS = {"PORT", "SWEEP_INTERVAL_SECONDS", "METRICS_ENABLED", "METRICS_NAMESPACE"}
LIBRARY_VARIABLES = {"POWERTOOLS_SERVICE_NAME"}  # read by Powertools itself
# Parameters whose Default differs from the model's on purpose; the README's default column says which applies where.
TEMPLATE_DEFAULTS = {"WEBHOOK_URL_FRAGMENT", "TWILIO_AUTH_TOKEN_PARAMETER"}
LOCAL_ONLY, RESOURCE = "local only", "resource"


@dataclass
class Inventory:
    fields: dict[str, Any]  # variable -> pydantic FieldInfo
    template: dict
    rows: dict[str, str]  # variable -> the README's "on AWS" entry: a parameter name, LOCAL_ONLY or RESOURCE
    reads: dict[str, set[str]]  # function logical id -> variables its code reads through Settings
    lines: dict[str, str]  # variable -> its README row


def readme_rows(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """First column: one or more `NAME`s; third: LOCAL_ONLY, RESOURCE, or one `Parameter` per name.

    Returns variable -> third column entry, and variable -> the whole row.
    """
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows, lines = {}, {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        names = re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]) if line.startswith("| `") else []
        if names:
            marks = re.findall(r"`([A-Za-z0-9]+)`", cells[2]) or [cells[2]] * len(names)
            assert len(marks) == len(names), f"README row {cells[0]}: give one parameter per variable"
            rows.update(zip(names, marks, strict=True))
            lines.update(dict.fromkeys(names, line))
    return rows, lines


def settings_read_by(handler: Path, units: dict[str, ast.AST], fields: set[str]) -> set[str]:
    """Settings attributes a handler reaches, following its calls into the wiring's functions and classes, and
    its attributes into the app's parts."""
    pending, seen, found = [ast.parse(handler.read_text(encoding="utf-8"))], set(), set()
    while pending:
        nodes = list(ast.walk(pending.pop()))
        attributes = {node.attr for node in nodes if isinstance(node, ast.Attribute)}
        found |= attributes & fields
        calls = [node.func for node in nodes if isinstance(node, ast.Call)]
        for name in (
            {getattr(call, "id", getattr(call, "attr", "")) for call in calls} | attributes
        ) & units.keys() - seen:
            seen.add(name)
            pending.append(units[name])
    return {name.upper() for name in found}


def inventory() -> Inventory:
    template = load_template(TEMPLATE_PATH)
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in WIRING]
    units = {
        node.name: node
        for tree in trees
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name not in APP_CLASSES
    }
    parts = [
        item
        for tree in trees
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name in APP_CLASSES
        for item in node.body
        if isinstance(item, ast.FunctionDef)
    ]
    units.update((part.name, part) for part in parts)
    functions = {
        key: r["Properties"] for key, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"
    }
    handlers = {key: ROOT / (properties["Handler"].rpartition(".")[0] + ".py") for key, properties in functions.items()}
    reads = {key: settings_read_by(path, units, set(Settings.model_fields)) for key, path in handlers.items()}
    fields = {name.upper(): info for name, info in Settings.model_fields.items()}
    rows, lines = readme_rows((ROOT / "README.md").read_text(encoding="utf-8"))
    return Inventory(fields, template, rows, reads, lines)


def drift(inv: Inventory) -> list[str]:
    drifts = (_readme_drift, _environment_drift, _reader_drift, _parameter_drift, _documented_default_drift)
    return [problem for check in drifts for problem in check(inv)]


def _readme_drift(inv: Inventory) -> list[str]:
    problems = [
        f"{name} is a Settings field missing from the README table" for name in inv.fields.keys() - inv.rows.keys()
    ]
    for name, mark in inv.rows.items():
        if name not in inv.fields and name not in NOT_SETTINGS:
            problems.append(f"{name} is in the README table but is no Settings field")
        if name in NOT_SETTINGS and mark != LOCAL_ONLY:
            problems.append(f"{name} is read outside Settings, so no function is given it: mark it {LOCAL_ONLY}")
    return problems


def _environment_drift(inv: Inventory) -> list[str]:
    """Each template environment variable is a Settings field, set the way the README says."""
    problems, parameters, created = [], set(inv.template["Parameters"]), set(inv.template["Resources"])
    shell_to_parameter = environment_parameters(inv.template)  # what make run passes from the shell
    environments = raw_environments(inv.template)
    for where, variables in environments.items():
        for name, value in variables.items():
            mark, sources = inv.rows.get(name), references(value)
            if name not in inv.fields and name not in LIBRARY_VARIABLES:
                problems.append(f"{where} sets {name}, which is no Settings field")
            elif mark == LOCAL_ONLY:
                problems.append(f"{where} sets {name}, which the README marks {LOCAL_ONLY}")
            elif mark == RESOURCE and (sources & parameters or not sources & created):
                problems.append(f"{where} sets {name} from {sorted(sources)}; the README says a resource")
            elif mark not in (None, LOCAL_ONLY, RESOURCE) and (
                mark not in sources or shell_to_parameter.get(name) != mark
            ):
                problems.append(f"{where} sets {name} from {sorted(sources)}; the README says parameter {mark}")
    given = set().union(*map(set, environments.values()))
    problems += [
        f"{name} ({mark}) reaches no function"
        for name, mark in inv.rows.items()
        if mark != LOCAL_ONLY and name not in given
    ]
    return problems


def _reader_drift(inv: Inventory) -> list[str]:
    """A function that reads a setting deployed as a parameter or resource gets it in its environment."""
    environments = raw_environments(inv.template)
    problems = []
    for function, names in inv.reads.items():
        missing = names - set(environments["Globals"]) - set(environments[function])
        for name in sorted(missing):
            if inv.rows.get(name, LOCAL_ONLY) != LOCAL_ONLY:
                problems.append(f"{function} reads {name} ({inv.rows[name]}) but the template does not pass it")
    return problems


def _parameter_drift(inv: Inventory) -> list[str]:
    """A parameter's range, allowed values and default are the model's: deploy refuses what start-up would."""
    problems = []
    for name, mark in inv.rows.items():
        parameter, info = inv.template["Parameters"].get(mark), inv.fields.get(name)
        if parameter is None or info is None:
            continue
        declared = {"ge": parameter.get("MinValue"), "le": parameter.get("MaxValue")}
        model = {
            key: next((getattr(item, key) for item in info.metadata if hasattr(item, key)), None) for key in declared
        }
        if parameter["Type"] == "Number" and declared != model:
            problems.append(f"{mark} range {declared} differs from {name}'s {model}")
        choices = set(get_args(info.annotation)) if get_origin(info.annotation) is Literal else set()
        if choices and set(parameter.get("AllowedValues", ())) != choices:
            problems.append(
                f"{mark} AllowedValues {parameter.get('AllowedValues')} differ from {name}'s {sorted(choices)}"
            )
        if "Default" in parameter and name not in TEMPLATE_DEFAULTS:
            ours, theirs = _parsed_default(name.lower()), _parsed_default(name.lower(), str(parameter["Default"]))
            if ours != theirs:
                problems.append(
                    f"{mark} Default {parameter['Default']!r} means {theirs!r}, {name}'s default is {ours!r}"
                )
    return problems


def _documented_default_drift(inv: Inventory) -> list[str]:
    """Where the template's Default or `make deploy`'s value is not the model's, the README row gives it."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    deployed = dict(re.findall(r"\b([A-Z][A-Za-z0-9]+)=(/[^\s]+)", makefile))  # fixed values make deploy passes
    problems = []
    for name in sorted(TEMPLATE_DEFAULTS):
        parameter = inv.rows.get(name, "")
        values = [str(inv.template["Parameters"].get(parameter, {}).get("Default"))]
        values += [deployed[parameter].replace("$(ENV)", "$ENV")] if parameter in deployed else []
        problems += [
            f"the README row of {name} does not give {value}"
            for value in values
            if f"`{value}`" not in inv.lines.get(name, "")
        ]
    return problems


def _parsed_default(field: str, text: str | None = None) -> Any:
    """The model's value for `field` given `text` as its variable's value (else its default)."""
    given = {} if text is None else {field.upper(): text}
    return getattr(Settings.from_environ(given), field)


def test_settings_template_and_readme_agree():
    inv = inventory()
    assert inv.reads["WorkerFunction"] >= {"MAX_DELETIONS_PER_HOUR", "IDEMPOTENCY_TABLE"}  # the derivation sees code
    assert drift(inv) == []


def _environment(inv: Inventory, function: str) -> dict:
    return inv.template["Resources"][function]["Properties"]["Environment"]["Variables"]


DRIFTS: dict[str, tuple[str, Callable[[Inventory], Any]]] = {
    "setting missing from the README": ("SWEEP_PAGE_SIZE", lambda inv: inv.rows.pop("SWEEP_PAGE_SIZE")),
    "README row that is no setting": ("NOT_A_SETTING", lambda inv: inv.rows.update(NOT_A_SETTING=LOCAL_ONLY)),
    "function variable that is no setting": (
        "SURPRISE",
        lambda inv: _environment(inv, "WorkerFunction").update(SURPRISE="1"),
    ),
    "hard-coded instead of a parameter": (
        "SWEEP_PAGE_SIZE",
        lambda inv: _environment(inv, "SweeperFunction").update(SWEEP_PAGE_SIZE=100),
    ),
    "a reader not given the setting": (
        "UNANSWERED_CHALLENGES",
        lambda inv: _environment(inv, "SweeperFunction").pop("UNANSWERED_CHALLENGES"),
    ),
    "local-only setting deployed": ("LOG_LEVEL", lambda inv: inv.rows.update(LOG_LEVEL=LOCAL_ONLY)),
    "README names another parameter": (
        "INACTIVE_DAYS",
        lambda inv: inv.rows.update(INACTIVE_DAYS="UnansweredChallenges"),
    ),
    "parameter range wider than the model's": (
        "MAX_DELETIONS_PER_HOUR",
        lambda inv: inv.template["Parameters"]["MaxDeletionsPerHour"].pop("MaxValue"),
    ),
    "parameter default not the model's": (
        "INACTIVE_DAYS",
        lambda inv: inv.template["Parameters"]["InactiveDays"].update(Default=31),
    ),
    "template default undocumented": (
        "WEBHOOK_URL_FRAGMENT",
        lambda inv: inv.lines.update(WEBHOOK_URL_FRAGMENT="| `WEBHOOK_URL_FRAGMENT` | empty |"),
    ),
    "allowed values not the model's": (
        "LOG_LEVEL",
        lambda inv: inv.template["Parameters"]["LogLevel"]["AllowedValues"].append("TRACE"),
    ),
}


@pytest.mark.parametrize("kind", DRIFTS)
def test_the_check_reports_each_kind_of_drift(kind):
    variable, change = DRIFTS[kind]
    inv = copy.deepcopy(inventory())
    change(inv)
    assert any(variable in problem for problem in drift(inv)), drift(inv)
