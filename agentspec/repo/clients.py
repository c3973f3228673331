"""Existing clients of external services, found by the SDK a file imports.

An integration spec should extend the Stripe client the project already has,
not add a second one; knowing which file imports it is enough to point there.
"""

from __future__ import annotations

import ast
import re

from agentspec.repo.context import Source
from agentspec.repo.facts import Facts
from agentspec.repo.hints import Hint
from agentspec.repo.pyast import PyIndex

# Python top-level module (or dotted prefix) -> service.
PYTHON_SDKS = {
    "stripe": "Stripe", "twilio": "Twilio", "slack_sdk": "Slack", "slack_bolt": "Slack", "slack": "Slack",
    "boto3": "AWS", "botocore": "AWS", "aiobotocore": "AWS", "sendgrid": "SendGrid", "shopify": "Shopify",
    "openai": "OpenAI", "anthropic": "Anthropic", "google.cloud": "Google Cloud", "firebase_admin": "Firebase",
    "mailchimp_marketing": "Mailchimp", "mailchimp_transactional": "Mailchimp", "hubspot": "HubSpot",
    "simple_salesforce": "Salesforce", "paypalrestsdk": "PayPal", "paypalcheckoutsdk": "PayPal",
    "braintree": "Braintree", "square": "Square", "plaid": "Plaid", "sentry_sdk": "Sentry", "github": "GitHub",
    "mixpanel": "Mixpanel", "algoliasearch": "Algolia",
    "pusher": "Pusher", "auth0": "Auth0", "okta": "Okta", "postmarker": "Postmark", "resend": "Resend",
    "supabase": "Supabase", "vonage": "Vonage", "docusign_esign": "DocuSign", "xero_python": "Xero",
    "intuitlib": "QuickBooks", "quickbooks": "QuickBooks", "zenpy": "Zendesk", "jira": "Jira",
    "atlassian": "Atlassian", "asana": "Asana", "notion_client": "Notion", "pyairtable": "Airtable",
    "intercom": "Intercom", "azure": "Azure", "msgraph": "Microsoft Graph", "zoomus": "Zoom",
    "mailgun": "Mailgun", "onesignal": "OneSignal", "linear_sdk": "Linear", "adyen": "Adyen", "Adyen": "Adyen",
}

# npm package (exact, or a scope/prefix ending in "/") -> service.
JS_SDKS = {
    "stripe": "Stripe", "@stripe/stripe-js": "Stripe", "twilio": "Twilio", "@slack/web-api": "Slack",
    "@slack/bolt": "Slack", "@slack/webhook": "Slack", "aws-sdk": "AWS", "@aws-sdk/": "AWS",
    "@sendgrid/mail": "SendGrid", "@sendgrid/client": "SendGrid", "@shopify/shopify-api": "Shopify",
    "shopify-api-node": "Shopify", "openai": "OpenAI", "@anthropic-ai/sdk": "Anthropic",
    "@google-cloud/": "Google Cloud", "googleapis": "Google APIs", "firebase-admin": "Firebase",
    "@mailchimp/mailchimp_marketing": "Mailchimp", "@mailchimp/mailchimp_transactional": "Mailchimp",
    "@hubspot/api-client": "HubSpot", "jsforce": "Salesforce", "@paypal/checkout-server-sdk": "PayPal",
    "@paypal/paypal-server-sdk": "PayPal", "braintree": "Braintree", "square": "Square", "plaid": "Plaid",
    "@sentry/": "Sentry", "@octokit/": "GitHub", "@segment/analytics-node": "Segment",
    "analytics-node": "Segment", "mixpanel": "Mixpanel", "algoliasearch": "Algolia", "pusher": "Pusher",
    "auth0": "Auth0", "@okta/": "Okta", "postmark": "Postmark", "mailgun.js": "Mailgun", "resend": "Resend",
    "@supabase/supabase-js": "Supabase", "@vonage/server-sdk": "Vonage", "docusign-esign": "DocuSign",
    "xero-node": "Xero", "intuit-oauth": "QuickBooks", "node-zendesk": "Zendesk", "jira-client": "Jira",
    "asana": "Asana", "@notionhq/client": "Notion", "airtable": "Airtable", "@linear/sdk": "Linear",
    "intercom-client": "Intercom", "@azure/": "Azure", "@microsoft/microsoft-graph-client": "Microsoft Graph",
    "@adyen/api-library": "Adyen", "onesignal-node": "OneSignal", "@onesignal/node-onesignal": "OneSignal",
}


# Cheap byte-level test run before walking a Python tree for imports of known SDKs.
# Two patterns, each starting with a literal word, because re then skips ahead
# with a fast substring search (one `(?:from|import)` pattern is ten times slower).
_PY_SDK_NAMES = b"|".join(re.escape(name.encode()) for name in sorted(PYTHON_SDKS, key=len, reverse=True))
PY_HINT = Hint(patterns=(re.compile(rb"import[ \t]+(?:" + _PY_SDK_NAMES + rb")\b"),
                         re.compile(rb"from[ \t]+(?:" + _PY_SDK_NAMES + rb")\b")))


# The same for JavaScript: a quoted module name of a known SDK (exact, sub-path or scope).
JS_HINT = Hint(patterns=(re.compile(
    rb"['\"`](?:" + b"|".join(re.escape(name.encode()) for name in sorted(JS_SDKS) if not name.endswith("/")) +
    rb")['\"`/]|['\"`](?:" + b"|".join(re.escape(name.encode()) for name in sorted(JS_SDKS) if name.endswith("/")) +
    rb")"),))


def js_package(spec: str) -> str | None:
    """npm package of an import specifier: '@aws-sdk/client-s3/dist' -> '@aws-sdk/client-s3'."""
    if spec.startswith((".", "/", "node:")) or not spec:
        return None
    parts = spec.split("/")
    return "/".join(parts[:2]) if spec.startswith("@") and len(parts) > 1 else parts[0]


def js_service(package: str) -> str | None:
    if package in JS_SDKS:
        return JS_SDKS[package]
    scope = package.split("/")[0] + "/"
    return JS_SDKS.get(scope) if package.startswith("@") else None


def js_clients(specs: list[tuple[str, int]], rel: str, facts: Facts) -> None:
    for spec, line in specs:
        package = js_package(spec)
        service = js_service(package) if package else None
        if service and package:
            facts.add_client(service, package, Source(path=rel, line=line))


def python_clients(index: PyIndex, rel: str, facts: Facts) -> None:
    for node in index.imports:
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue  # relative import: the project's own code
        for module in modules:
            match = _python_match(module)
            if match:
                facts.add_client(PYTHON_SDKS[match], match, Source(path=rel, line=node.lineno))


def _python_match(module: str) -> str | None:
    parts = module.split(".")
    # Longest dotted prefix first, so google.cloud wins over a bare "google".
    for size in range(len(parts), 0, -1):
        candidate = ".".join(parts[:size])
        if candidate in PYTHON_SDKS:
            return candidate
    return None
