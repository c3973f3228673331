from __future__ import annotations

import re

from agentspec.agents.packs.integration_requirements.sections import compatibility as section
from agentspec.agents.packs.integration_requirements.sections.compatibility import Compatibility

from ._general_helpers import assert_rejects, check_rendered, code_blocks

DATA = {
    "chrome": 110,
    "firefox": 115,
    "safari": 16,
    "edge": 110,
    "polyfills": [
        {"package": "core-js/actual/structured-clone", "feature": "structuredClone of billing state"},
        {"package": "@formatjs/intl-numberformat", "feature": "Intl.NumberFormat currency display on Safari 16"},
    ],
    "windows": "Windows 10 and 11",
    "macos": "13 Ventura and later",
    "linux": "Ubuntu 22.04+, Fedora 39+ (Chrome or Firefox)",
    "ios": "16+ (Safari and WKWebView)",
    "android": "10+ with Chrome 110+",
    "stack": [
        {"layer": "framework", "name": "react", "versions": ">=18.2 <20"},
        {"layer": "framework", "name": "nextjs", "versions": "^14.2"},
        {"layer": "framework", "name": "typescript", "versions": ">=5.4"},
        {"layer": "library", "name": "stripe", "versions": "^16.0"},
        {"layer": "database", "name": "postgresql", "versions": ">=14"},
        {"layer": "database", "name": "redis", "versions": ">=7.0"},
        {"layer": "runtime", "name": "nodejs", "versions": ">=20 <23"},
    ],
}


def test_renders_versions_checklists_and_matrix() -> None:
    md = check_rendered(section, Compatibility.model_validate(DATA))
    assert "  - Chrome: 110+" in md and "  - Safari: 16+" in md and "  - Edge: 110+" in md
    assert "  - [ ] core-js/actual/structured-clone: For structuredClone of billing state support" in md
    # the OS name is printed once even if the model repeated it
    assert "  - [ ] Windows 10 and 11" in md and "Windows Windows" not in md
    assert "  - [ ] macOS 13 Ventura and later" in md
    assert "  - [ ] iOS 16+ (Safari and WKWebView)" in md and "  - [ ] Android 10+ with Chrome 110+" in md
    [(lang, ts)] = code_blocks(md)
    assert lang == "typescript" and ts.startswith("// Technology compatibility matrix\nconst compatibilityMatrix = {")
    assert "react: '>=18.2 <20'" in ts and "postgresql: '>=14'" in ts and "nodejs: '>=20 <23'" in ts
    # layer order follows the template: framework, (library,) database, runtime
    assert ts.index("framework:") < ts.index("database:") < ts.index("runtime:")


def test_no_polyfills_renders_the_reason() -> None:
    data = Compatibility.model_validate(dict(DATA, polyfills=[], no_polyfills_reason="every API used is native from Chrome 110 and Safari 16"))
    md = check_rendered(section, data)
    assert "- **Polyfills Required**: None - every API used is native from Chrome 110 and Safari 16" in md


def test_no_polyfills_without_a_reason_states_the_minimums() -> None:
    data = Compatibility.model_validate(dict(DATA, polyfills=[], no_polyfills_reason=None))
    md = check_rendered(section, data)
    assert "- **Polyfills Required**: None - every browser API the feature uses is native from Chrome 110, Firefox 115" in md


def test_validators() -> None:
    assert_rejects(Compatibility, dict(DATA, safari=9), "safari")
    assert_rejects(Compatibility, dict(DATA, chrome="latest"), "chrome")
    assert_rejects(Compatibility, dict(DATA, stack=DATA["stack"] + [{"layer": "runtime", "name": "nodejs", "versions": "20"}]), "listed twice")
    assert_rejects(Compatibility, dict(DATA, stack=[e for e in DATA["stack"] if e["layer"] != "runtime"]), "runtime")
    assert_rejects(Compatibility, dict(DATA, stack=[{"layer": "framework", "name": "react", "versions": "latest"}] + DATA["stack"][1:]), "versions")
    assert_rejects(Compatibility, dict(DATA, ios="recent versions"), "name version numbers")
    dup = dict(DATA, polyfills=[DATA["polyfills"][0], DATA["polyfills"][0]])
    assert_rejects(Compatibility, dup, "listed twice")


def test_unsupported_platform_is_allowed_when_said() -> None:
    data = Compatibility.model_validate(dict(DATA, linux="not supported: internal tool runs on managed Windows and macOS only"))
    assert re.search(r"- \[ \] Linux not supported", section.render(data, None))  # type: ignore[arg-type]


def test_a_stack_name_in_capitals_is_lower_cased_not_refused():
    # The grounded draft of fastapi/full-stack-fastapi-template wrote "Python": pydantic checks the
    # pattern before `to_lower`, and the section failed on it.
    assert section.StackEntry.model_validate({"name": "Python", "versions": ">=3.10", "layer": "runtime"}).name == "python"


def test_a_package_the_repository_pins_is_supported_as_its_manifest_says():
    """The grounded full-stack-fastapi-template draft said sqlmodel ^0.7.12, a release that does not
    exist; the repository's pyproject said >=0.0.39,<1.0.0."""
    from ._general_helpers import context

    data = Compatibility.model_validate(DATA)
    md = section.render(data, context(repo={"versions": {"react": "^19.2.8", "express": "^4.19.2"}}))
    [(_, ts)] = code_blocks(md)
    assert "react: '^19.2.8'" in ts and "nextjs: '^14.2'" in ts  # pinned from the manifest; the rest as answered
    assert "express" not in ts  # the manifest's other packages are not added to the feature's matrix
