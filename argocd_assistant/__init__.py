"""The `argocd-assistant` command: one entry point for the MCP server, the relay and the demo."""
