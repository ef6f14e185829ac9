"""``python -m eyazisma`` runs the command line."""

from eyazisma.cli import run

run()
