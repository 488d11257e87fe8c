"""Front ends: the console and the Telegram bot, both rendering the engine's answers."""

import os

# One BLAS thread (set before numpy is first imported, which is through this package when run
# as article-bot). The sentence model multiplies small matrices, where a second thread gains
# little, and beside any other busy process the BLAS threads spin waiting for each other, which
# made answers several times slower (docs/speed.md). A value set in the environment wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
