from orchestration.simulator.cli import main

raise SystemExit(main())
