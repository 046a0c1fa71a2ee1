"""The golden site: tests/golden/blog built in full and compared with tests/golden/site."""
