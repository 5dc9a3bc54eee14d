"""Bundle entry point of ``zhanhe-counter`` (the GUI); the same as the installed console script."""

import sys

from zhanhe_counter.main import run

if __name__ == "__main__":
    sys.exit(run())
