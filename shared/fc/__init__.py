"""FC adapters: HTTP trigger events and routes, trigger events, API keys. The only layer that speaks HTTP."""
