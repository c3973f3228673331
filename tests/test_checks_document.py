"""SpecDocument parsing: headings, code blocks, tables, sections, loading a spec dir."""

from pathlib import Path

from agentspec.spec_document import SpecDocument, normalize_heading

FIXTURES = Path(__file__).parent / "fixtures" / "checks"

MD = """# Title

## Data Integration
Intro with a [link](https://example.com).

### Database Integration Strategy
```sql
SELECT 1;
```

| A | B |
|---|---|
| 1 | 2 |

## Deployment Integration
```yaml
# a YAML comment, not a heading
key: value
```
"""


def test_headings_and_code_blocks_carry_lines_and_paths():
    doc = SpecDocument.from_markdown(MD)
    assert [(h.level, h.text, h.line) for h in doc.headings] == [
        (1, "Title", 1),
        (2, "Data Integration", 3),
        (3, "Database Integration Strategy", 6),
        (2, "Deployment Integration", 15),
    ]
    sql, yaml_block = doc.code_blocks
    assert (sql.language, sql.line, sql.content) == ("sql", 7, "SELECT 1;\n")
    assert sql.heading_path == ("Title", "Data Integration", "Database Integration Strategy")
    assert yaml_block.heading_path == ("Title", "Deployment Integration")
    assert doc.tables[0].line == 11 and "| 1 | 2 |" in doc.tables[0].text


def test_section_text_and_h2_lookup():
    doc = SpecDocument.from_markdown(MD)
    text = doc.section_text("data integration")
    assert "Intro with a" in text and "SELECT 1;" in text and "key: value" not in text
    assert doc.section_text("Nope") is None
    assert doc.h2_at(8) == "Data Integration"
    assert doc.h2_at(1) is None


def test_links_are_resolved_out_of_inline_text():
    doc = SpecDocument.from_markdown(MD)
    texts = [t.text for t in doc.inline_texts if t.kind == "text"]
    assert "Intro with a " in texts and not any("[link]" in t for t in texts)


def test_normalize_heading_tolerates_cosmetic_variation():
    assert normalize_heading("Risk Assessment & Mitigation") == normalize_heading("risk assessment and mitigation")
    assert normalize_heading("17. Testing & Validation") == "testing and validation"
    assert normalize_heading("CI/CD Pipeline Integration") == "ci cd pipeline integration"


def test_load_reads_spec_dir():
    doc = SpecDocument.load(FIXTURES / "good_spec")
    assert doc.run == {"feature": "Stripe subscription sync", "repo": None}
    assert "scenarios" in doc.analyses and doc.spec_json is None
    assert doc.headings[0].text == "Integration Requirements: Stripe Subscription Sync"
