"""The LLM gateway: every model call in agentspec goes through here."""
