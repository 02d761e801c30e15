"""`python -m tco` runs the command line."""

from tco.cli import main

main()
