"""Bundle entry point of ``zhanhe-admin`` (no Qt); the same as the installed console script."""

import sys

from zhanhe_counter.cli.app import main

if __name__ == "__main__":
    sys.exit(main())
