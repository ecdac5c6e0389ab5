import sys

from orchestration.publish.cli import main

sys.exit(main())
