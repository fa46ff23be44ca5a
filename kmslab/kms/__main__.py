"""`python -m kmslab.kms`: see kmslab.kms.cli."""

from kmslab.kms.cli import main

raise SystemExit(main())
