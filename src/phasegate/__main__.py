"""`python -m phasegate`, same as the `phasegate` command."""

from phasegate.cli import main

main()
