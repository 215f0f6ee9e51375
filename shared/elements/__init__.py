"""The element model: ``App``, Types, the loader and the per-instance App of an FC function."""
