from __future__ import annotations

import sys

from agent.cli.main import main

sys.exit(main())
