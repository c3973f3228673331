"""Code renders every piece of markdown, mermaid, SQL and TypeScript from
validated data, so the output is correct by construction."""
