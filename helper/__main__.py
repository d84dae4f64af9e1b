"""`python -m rightbrain_helper`."""

import sys

from .cli import main

sys.exit(main())
