"""Roles, permissions and pages: a role names the people who hold it, the design's REST endpoints
are called by roles rather than by the components that serve them, a role holds the permissions
its endpoints check, a page the description names is part of the design with the GET that feeds
it, and every page is fed by a REST endpoint and shows an operator the work and its failures."""

from __future__ import annotations

import re

from agentspec.agents.knowledge.coverage import KEEPS_FAILED, externals
from agentspec.agents.spine import DesignSpine, Endpoint, Role, STORES, Surface, name_tokens
from agentspec.agents.knowledge.completion._shared import _room


_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


_SCREENS = {"page", "ui", "screen", "dashboard", "view", "console", "portal"}


def _roles_name_people(spine: DesignSpine) -> list[str]:
    """A role names the people who hold it, not a page: the tenth-pass Stripe spine's role was
    `admin_sync_status_page`. It becomes its person word (admin), else `operator`."""
    notes = []
    taken = {r.name for r in spine.roles}
    for role in spine.roles:
        words = role.name.split("_")
        if not _SCREENS & set(words):
            continue
        person = next((w for w in words if w in _PERSONS), "operator")
        new = person[:-1] if person.endswith("s") and person not in ("ops",) else person
        if new in taken:
            continue
        for endpoint in spine.endpoints:
            endpoint.caller = new if endpoint.caller == role.name else endpoint.caller
        for surface in spine.surfaces:
            surface.role = new if surface.role == role.name else surface.role
        notes.append(f"role {role.name} is named {new}: a role names the people who hold it")
        taken.add(new)
        role.name = new
    return notes


def _people_call_the_endpoints(spine: DesignSpine) -> list[str]:
    """A REST endpoint of the design is called by a person in a role (or by another system),
    not by the component that serves it: the ninth-pass gdpr spine had its own worker call
    `DELETE /api/v1/deletion-requests/:id`, so no role guarded the deletion. The caller
    becomes the role of the page the endpoint feeds, else the role whose grants name its
    resource, else the design's first role; with no role defined, nothing is decided."""
    if not spine.roles:
        return []
    own = {c.id for c in spine.components}
    by_page = {s.endpoint: s.role for s in spine.surfaces}
    notes = []
    for endpoint in spine.endpoints:
        if endpoint.kind != "rest" or endpoint.caller not in own:
            continue
        resource = _resource(endpoint.path)
        role = by_page.get(endpoint.path) or next(
            (r.name for r in spine.roles if any(p.split(":", 1)[-1] == resource for p in r.permissions)), spine.roles[0].name)
        notes.append(f"{endpoint.method} {endpoint.path} is called by role {role} (was {endpoint.caller}, which serves it)")
        endpoint.caller = role
    return notes


def _resource(path: str) -> str:
    """The resource an endpoint acts on: its last segment that is not a parameter or the version
    (`/api/v1/admin/sync-status` -> `sync_status`, `/api/v1/orders/:id/refunds` -> `refunds`)."""
    segments = [s for s in path.strip("/").split("/") if s and not s.startswith((":", "{")) and not re.fullmatch(r"v\d+|api", s)]
    return re.sub(r"[^a-z0-9]+", "_", segments[-1].lower()).strip("_") if segments else "api"


def _permissions_its_endpoints_need(spine: DesignSpine) -> list[str]:
    """A role holds the permissions its endpoints check (read:<resource> for a GET, write:<resource>
    for a change), beside the answer's own grants on the feature's records, and never a grant on
    one of the design's stores: the eighth-pass Stripe spine gave the admin of a read-only status
    page `write:billing_database`, which no endpoint checks. The answer's other grants stay (the
    ninth-pass gdpr privacy officer's `delete:user_data` is the feature's point)."""
    stores = {c.id for c in spine.components if c.kind in STORES}
    notes = []
    for role in spine.roles:
        needed = list(dict.fromkeys(f"{'write' if e.method in _WRITES else 'read'}:{_resource(e.path)}"
                                    for e in spine.endpoints if e.caller == role.name))
        own = [p for p in role.permissions if p.split(":", 1)[1] not in stores and not p.split(":", 1)[1].endswith(("_database", "_db"))]
        needed = list(dict.fromkeys([*needed, *own]))[:4]
        if needed and needed != list(role.permissions):
            notes.append(f"{role.name} holds {', '.join(needed)}, what its endpoints check (was {', '.join(role.permissions)})")
            role.permissions = needed
    return notes


# "an admin sync-status page", "a finance dashboard": up to three words before a page word.
_PAGE = re.compile(r"((?:[a-z][a-z0-9-]*\s+){0,3})(page|dashboard|screen|console|portal)\b", re.I)
_NOT_NAMING = {"a", "an", "the", "our", "their", "its", "with", "and", "or", "to", "on", "of", "for", "new", "simple", "web"}
_PERSONS = {"admin", "admins", "administrator", "operator", "operators", "ops", "support", "finance", "staff", "manager",
            "managers", "agent", "agents", "customer", "customers", "user", "users", "owner", "owners"}


def _named_pages(spine: DesignSpine, description: str) -> list[str]:
    """A page the description names is part of the design, with the GET that feeds it and a
    role that may see it: the ninth-pass Stripe spine left out "an admin sync-status page",
    and no section drafted it. What the page shows is the description's own words, plus the
    delivery state an operator needs when the design receives deliveries or keeps failures."""
    if spine.surfaces or not description or not _room(spine, "endpoints"):
        return []
    match = _PAGE.search(description)
    if match is None:
        return []
    words = [w.lower() for w in match.group(1).split() if w.lower() not in _NOT_NAMING]
    person = next((w for w in words if w in _PERSONS), None)
    subject = [w for w in words if w != person] or [match.group(2).lower()]
    resource = re.sub(r"[^a-z0-9]+", "_", "_".join(subject)).strip("_")
    role_name = person.rstrip("s") if person and person not in ("ops", "support", "finance", "staff") else person
    role = next((r for r in spine.roles if role_name and role_name in r.name), None)
    notes = []
    if role is None:
        if len(spine.roles) >= 3:
            return []
        role = Role(name=role_name or "operator", who=f"the {role_name or 'operators'} who use the {' '.join(subject)} {match.group(2)}",
                    permissions=[f"read:{resource}"])
        spine.roles.append(role)
        notes.append(f"role {role.name} may see the {' '.join(subject)} {match.group(2)}")
    path = f"/api/v1/{role_name + '/' if role_name else ''}{resource.replace('_', '-')}"
    shows = [" ".join(subject).replace("-", " "), *_operator_needs(spine)]
    spine.endpoints.append(Endpoint(method="GET", path=path, kind="rest", caller=role.name,
                                    purpose=f"the data the {' '.join(subject)} {match.group(2)} shows"))
    spine.surfaces.append(Surface(name=f"{' '.join(subject).replace('-', ' ').capitalize()} {match.group(2).lower()}",
                                  shows=shows, endpoint=path, role=role.name))
    return notes + [f"the {' '.join(subject)} {match.group(2)} the description names is fed by GET {path}"]


_OPERATORS = {"admin", "admins", "operator", "operators", "ops", "support", "staff", "status", "monitoring", "dashboard"}


def _operator_needs(spine: DesignSpine) -> list[str]:
    """What an operator's page shows of the design's work: the last delivery received when it
    receives deliveries, and the failed work waiting for replay when failures are kept."""
    if externals(spine, "inbound_webhook"):
        return ["last delivery received", "failed deliveries waiting for replay"]
    return ["failed work waiting for replay"] if spine.failure_policy.after_retries in KEEPS_FAILED else []


def _pages_fed_by_rest(spine: DesignSpine) -> list[str]:
    """A page is fed by one of the design's REST endpoints, which people call: the fresh-clone
    Stripe spine of 12-05 fed its sync-status page from the webhook receiver Stripe calls. The
    page then reads the REST endpoint its role calls (a GET first), else the design's first GET."""
    rest = [e for e in spine.endpoints if e.kind == "rest"]
    notes = []
    for surface in spine.surfaces:
        if any(e.path == surface.endpoint for e in rest):
            continue
        ranked = sorted(rest, key=lambda e: (e.caller != surface.role, e.method != "GET"))
        feed = next((e for e in ranked if e.caller == surface.role or e.method == "GET"), None)
        if feed is None:
            continue
        notes.append(f"the {surface.name} is fed by {feed.method} {feed.path} (was {surface.endpoint}, not a REST endpoint of the design)")
        surface.endpoint = feed.path
    for surface in [s for s in spine.surfaces if _OPERATORS & name_tokens(f"{s.name} {s.role}")][:1]:
        # An operator's page shows the work: the fresh-clone Stripe page of 12-05 showed only
        # "Sync Status", so nothing said what an operator could see of a failed delivery.
        said = " ".join(surface.shows).lower()
        wanted = [w for w in _operator_needs(spine) if w.split()[0] not in said][:5 - len(surface.shows)]
        if wanted:
            surface.shows = [*surface.shows, *wanted]
            notes.append(f"the {surface.name} shows {', '.join(wanted)}")
    return notes
