"""Reading commands beyond the rules: the semantic fallback (`agent.language.nearest`)."""
