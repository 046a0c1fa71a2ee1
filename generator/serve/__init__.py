"""The dev server: build, serve, watch, rebuild, reload."""
