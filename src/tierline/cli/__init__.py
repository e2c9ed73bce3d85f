"""The ``tierline`` command line: thin entry points that parse, call the library and render."""
