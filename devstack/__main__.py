"""`python -m devstack up [--react 16|19] [--json] [--model-url URL]`: run the whole dev stack."""

import sys

from devstack.launcher import main

sys.exit(main())
