"""Stand-ins for what these machines cannot run (Argo CD, a model) and the launcher of the whole stack."""
