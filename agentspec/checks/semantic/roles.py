"""Rule 2d, roles: a guard or RBAC text that checks a role the spine does not
define. Its own module because finding role names in prose takes a family of
patterns and a stop list that no other rule uses."""

from __future__ import annotations

import re

from agentspec.checks.score import Finding
from agentspec.checks.semantic.statements import Context, Outcome, _quote

# --------------------------------------------------------------------- 2d. roles

_IDENT = r"[A-Za-z][\w-]*"
_ROLE_PATTERNS = [
    re.compile(r"[`'\"](" + _IDENT + r")[`'\"]\s+roles?\b", re.I),  # `billing_admin` role
    re.compile(r"\broles?\s*(?:[:=]|\bis\b)?\s*[`'\"](" + _IDENT + r")[`'\"]", re.I),  # role `admin`, role: 'admin'
    re.compile(r"\brequires?\s+(?:the\s+|an?\s+)?(?:role\s+)?([a-z][a-z0-9_]*)\s+role\b", re.I),  # requires the admin role
    re.compile(r"\b(?:requires?|with|has|needs?|holds?)\s+(?:the\s+)?role\s+([a-z][a-z0-9_]*)\b", re.I),  # requires role admin
    re.compile(r"(?:^|[:;,(]\s*|[-*]\s+)roles?\s+([a-z][a-z0-9_]*)\b", re.I),  # `/admin`: role admin
    re.compile(r"\b(?:has|require|requires|check|ensure|assert)_?roles?\s*\(\s*['\"`](" + _IDENT + r")", re.I),  # hasRole('admin')
    re.compile(r"@Roles?\(\s*['\"`](" + _IDENT + r")"),
    re.compile(r"\brole\s*(?:===?|!==?)\s*['\"`](" + _IDENT + r")", re.I),  # role === 'admin'
]
_ROLE_LIST = re.compile(r"\broles?\s*:\s*\[([^\]]*)\]", re.I)
_ROLE_STOP = set("""based definitions definition model names name claim claims check checks checking mapping mappings
assignment assignments hierarchy permissions permission guard guards is are and or the a an in of for to from with that
which must may can should will required requirements access level membership table column field header scope scopes
none each per as at on by it its this these their any every owner ownership""".split())


def _role_mentions(text: str) -> list[tuple[int, str]]:
    found = [(m.start(1), m.group(1)) for p in _ROLE_PATTERNS for m in p.finditer(text)]
    for m in _ROLE_LIST.finditer(text):
        found += [(m.start(1) + q.start(1), q.group(1)) for q in re.finditer(r"['\"`](" + _IDENT + r")['\"`]", m.group(1))]
    return [(at, name) for at, name in found if name.lower() not in _ROLE_STOP]


def undefined_roles(ctx: Context) -> Outcome:
    """A guard or RBAC text that checks a role the spine does not define: the
    implementation would check a name nobody is ever given (or invent it).
    Component, system and setting ids next to "role" are not roles."""
    out = Outcome()
    spine = ctx.spine
    known = {r.name.lower() for r in spine.roles}
    not_roles = {c.id.lower() for c in spine.components} | {x.id.lower() for x in spine.external_systems}
    not_roles |= {s.name.lower() for s in spine.settings}
    seen: set[tuple[str | None, str]] = set()
    for s in ctx.sentences:
        for at, name in sorted(_role_mentions(s.text)):
            key = name.lower()
            out.checked += 1
            if key in known or key in not_roles or (s.h2, key) in seen:
                continue
            seen.add((s.h2, key))
            defined = ", ".join(r.name for r in spine.roles) or "none"
            out.findings.append(Finding(s.h2, f"contradiction: uses role {name} ({_quote(s.text, at=at)}), which the spine does not "
                                              f"define; its roles: {defined}", s.line.number))
    return out
