import sys

from portal_verify.cli import main

sys.exit(main())
