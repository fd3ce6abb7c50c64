"""The supervisors' figures (三率, 考核指标) and dashboard."""
