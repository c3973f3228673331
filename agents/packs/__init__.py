"""The packs that ship with agentspec, one folder each (agentspec/packs/builtin.py says what
a pack folder holds). Data only: importing this package runs no pack code."""
