"""`python -m rightbrain_helper`."""

import sys

from rightbrain_helper.integrations.commands import main

sys.exit(main())
