"""`python -m kmslab.kms`: see kmslab.kms.cli."""

import gc

from kmslab.kms.cli import main

# A run allocates many short-lived, acyclic values and keeps none of them: leave the imported
# modules' objects out of every collection and collect less often (about 10% of the CLI's CPU
# over the bench's requests). Process-wide, so set here at the entry point, not in main().
gc.freeze()
gc.set_threshold(20_000, 50, 50)

raise SystemExit(main())
