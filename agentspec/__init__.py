"""agentspec: draft Integration Requirements specs with role-based LLM agents."""
__version__ = "0.1.0"
