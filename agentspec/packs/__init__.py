"""Template packs: any markdown template with [PLACEHOLDER]s, compiled into sections
whose data models come from the placeholders (compile.py), rendered by filling the
template's own text."""
