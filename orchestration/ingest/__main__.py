import sys

from orchestration.ingest.cli import main

sys.exit(main())
