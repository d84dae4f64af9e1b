"""`python -m rightbrain_helper`."""

import sys

from rightbrain_helper.cli.main import main

sys.exit(main())
