"""Helpers for the browser tests: log in through the form, check a page with axe-core."""

import pytest

# BITV 2.0 = WCAG 2.1 level AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "ein-sicheres-passwort-123"  # tests/factories.py UserFactory


def login(page, user, password: str = PASSWORD) -> None:
    """Log `user` in through the real login form and wait for the start page."""
    page.goto("/accounts/login/")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def axe_report(violations: list[dict]) -> str:
    """Violations as readable text: rule, impact, help URL and each offending element."""
    lines = [f"{len(violations)} axe-Verstöße (WCAG 2.1 AA):"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']}  <{v.get('helpUrl', '')}>")
        for node in v["nodes"][:10]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
            lines.append(f"       {node.get('html', '')[:200]}")
            summary = node.get("failureSummary", "").replace("\n", " / ")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


def axe_violations(page, axe=None) -> list[dict]:
    if axe is None:
        from axe_playwright_python.sync_playwright import Axe

        axe = Axe()
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    return axe.run(page, options=options).response["violations"]


def assert_no_axe_violations(page, axe=None) -> None:
    """Fail with a readable report if axe finds WCAG 2.1 A/AA violations on the page."""
    violations = axe_violations(page, axe)
    if violations:
        report = axe_report(violations)
        print(f"\n{page.url}\n{report}")
        pytest.fail(f"{page.url}\n{report}", pytrace=False)
