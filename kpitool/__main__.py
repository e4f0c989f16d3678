"""``python -m kpitool`` runs the command line."""

from kpitool.cli import run

if __name__ == "__main__":  # guard: worker processes on Windows re-import this module
    run()  # main(), then a quick exit (kpitool.cli.exit_now)
