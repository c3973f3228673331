"""One module per section: its pydantic model and its renderer share the section id."""
