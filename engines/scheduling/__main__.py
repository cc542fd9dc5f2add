import sys

from engines.scheduling.cli import main

sys.exit(main())
