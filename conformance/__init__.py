"""Rule-based conformance checker (rule sets, text/JSON/HTML/JUnit reports, corpus runner).

Not built yet as a separate checker: the structure and digest rules with their stable ids run
today in :func:`eyp.verify_package`; this package will add rule sets and report formats on top.
"""

__all__: list[str] = []
