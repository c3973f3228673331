"""The integration-requirements pack: the full Integration Requirements spec, drafted by
its own sections (sections.yaml, sections/, prompts/) and judged by its rubrics."""
