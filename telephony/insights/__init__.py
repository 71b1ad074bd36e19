"""Call insights: what the synced history and the callback queue say about how the company
answers and returns calls, drawn as server-side SVG (figures.py counts, charts.py draws)."""
